"""``[xenserver]`` options (Nova's names; the XenAPI backend builds on them)."""

from oslo_config import cfg

group = cfg.OptGroup('xenserver', title='XenAPI driver options')

opts = [
    cfg.URIOpt('connection_url',
               help='URL of the XAPI pool master, e.g. https://<address>.'),
    cfg.StrOpt('connection_username', default='root',
               help='User name for the XAPI login session.'),
    cfg.StrOpt('connection_password', secret=True,
               help='XAPI password (never logged).'),
    cfg.IntOpt('connection_concurrent', default=5, min=1,
               help='XAPI sessions kept in the session pool.'),
    cfg.IntOpt('login_timeout', default=10, min=0,
               help='Seconds a XAPI login may take.'),
    cfg.BoolOpt('independent_compute', default=False,
                help="""
Run the compute service outside the hypervisor host (not in a guest on it).

Related options: ``check_host`` must be False, and features that need local
access to the host's disks are refused.
"""),
    cfg.BoolOpt('check_host', default=True,
                help='Check that the compute service runs on the host it '
                     'manages. Must be False with independent_compute.'),
]


def register_opts(conf):
    # A fresh OptGroup per ConfigOpts: a shared one would share its
    # options' overrides between configurations.
    conf.register_group(cfg.OptGroup(group.name, title=group.title))
    conf.register_opts(opts, group=group.name)


def list_opts():
    return {group: opts}
