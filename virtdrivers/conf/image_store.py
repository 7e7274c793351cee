"""``[image_store]`` (where images come from) and ``[glance]`` options."""

from oslo_config import cfg

group = cfg.OptGroup('image_store', title='Image service options')

opts = [
    cfg.StrOpt('backend', default='local',
               choices=[('local', 'a directory of image files with their '
                                  'metadata beside them'),
                        ('glance', 'the Glance v2 API at [glance] '
                                   'api_servers')],
               help='The image service instances boot from and snapshots '
                    'are uploaded to.'),
    cfg.StrOpt('local_directory', default='$state_path/images',
               help='Directory of the local image store.'),
]

glance_group = cfg.OptGroup('glance', title='Glance v2 client options')

glance_opts = [
    cfg.ListOpt('api_servers', default=[],
                help='Glance endpoints (``http(s)://host:port``), tried in '
                     'order.'),
    cfg.IntOpt('num_retries', default=3, min=0,
               help='Retries of a failed request (connection error, broken '
                    'download, 5xx answer), each on the next server.'),
    cfg.IntOpt('timeout', default=60, min=1,
               help='Seconds a Glance request may stay silent.'),
    cfg.StrOpt('auth_token', secret=True,
               help='Keystone token sent as X-Auth-Token (never logged).'),
    cfg.StrOpt('cafile',
               help='CA bundle that verifies https api_servers; the '
                    'system\'s trusted CAs when unset.'),
    cfg.BoolOpt('insecure', default=False,
                help='Do not verify the certificate of https api_servers.\n\n'
                     'Related options: cafile'),
]


def register_opts(conf):
    # A fresh OptGroup per ConfigOpts: a shared one would share its
    # options' overrides between configurations.
    conf.register_group(cfg.OptGroup(group.name, title=group.title))
    conf.register_opts(opts, group=group.name)
    conf.register_group(cfg.OptGroup(glance_group.name, title=glance_group.title))
    conf.register_opts(glance_opts, group=glance_group.name)


def list_opts():
    return {group: opts, glance_group: glance_opts}
