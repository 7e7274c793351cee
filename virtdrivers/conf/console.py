"""``[vnc]``, ``[spice]`` and ``[serial_console]`` options (Nova's)."""

from oslo_config import cfg

vnc = cfg.OptGroup('vnc', title='VNC consoles')
vnc_opts = [
    cfg.BoolOpt('enabled', default=True,
                help='Give guests a VNC console.'),
    cfg.StrOpt('server_listen', default='127.0.0.1',
               help='Address the hypervisor\'s VNC servers listen on.'),
    cfg.StrOpt('server_proxyclient_address', default='127.0.0.1',
               help='Address a VNC proxy uses to reach this host\'s consoles; '
                    'returned by get_vnc_console.'),
]

spice = cfg.OptGroup('spice', title='SPICE consoles')
spice_opts = [
    cfg.BoolOpt('enabled', default=False,
                help='Give guests a SPICE console.'),
    cfg.BoolOpt('agent_enabled', default=True,
                help='Add the SPICE guest agent channel.'),
    cfg.StrOpt('server_listen', default='127.0.0.1',
               help='Address the hypervisor\'s SPICE servers listen on.'),
    cfg.StrOpt('server_proxyclient_address', default='127.0.0.1',
               help='Address a SPICE proxy uses to reach this host\'s '
                    'consoles.'),
]

serial = cfg.OptGroup('serial_console', title='Interactive serial consoles')
serial_opts = [
    cfg.BoolOpt('enabled', default=False,
                help='Give guests TCP serial ports for interactive consoles; '
                     'the console log is then not kept.'),
    cfg.StrOpt('port_range', default='10000:20000',
               regex=r'^\d+:\d+$',
               help='Host TCP ports serial consoles may use, as ``min:max``.'),
    cfg.StrOpt('proxyclient_address', default='127.0.0.1',
               help='Address serial console proxies use to reach this host.'),
]

GROUPS = ((vnc, vnc_opts), (spice, spice_opts), (serial, serial_opts))


def register_opts(conf):
    for group, opts in GROUPS:
        # A fresh OptGroup per ConfigOpts (see conf/libvirt.py).
        conf.register_group(cfg.OptGroup(group.name, title=group.title))
        conf.register_opts(opts, group=group.name)


def list_opts():
    return dict(GROUPS)
