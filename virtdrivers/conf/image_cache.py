"""``[image_cache]`` options (Nova's)."""

from oslo_config import cfg

group = cfg.OptGroup('image_cache', title='Image cache options')

opts = [
    cfg.IntOpt('manager_interval', default=2400, min=-1,
               help='Seconds between image cache manager runs; 0 runs at the '
                    'default periodic interval, -1 disables them.'),
    cfg.StrOpt('subdirectory_name', default='_base',
               help='Directory under ``[DEFAULT] instances_path`` that holds '
                    'cached base images.'),
    cfg.BoolOpt('remove_unused_base_images', default=True,
                help='Remove base images no instance uses any more.'),
    cfg.IntOpt('remove_unused_original_minimum_age_seconds', default=86400,
               min=0,
               help='Unused original base images younger than this are kept.'),
    cfg.IntOpt('remove_unused_resized_minimum_age_seconds', default=3600,
               min=0,
               help='Unused resized base images younger than this are kept.'),
    cfg.IntOpt('precache_concurrency', default=1, min=1,
               help='Images fetched at once by cache_image.'),
]


def register_opts(conf):
    # A fresh OptGroup per ConfigOpts: a shared one would share its
    # options' overrides between configurations.
    conf.register_group(cfg.OptGroup(group.name, title=group.title))
    conf.register_opts(opts, group=group.name)


def list_opts():
    return {group: opts}
