"""``[powervm]`` options (Nova's names; the PowerVM backend builds on them)."""

from oslo_config import cfg

group = cfg.OptGroup('powervm', title='PowerVM driver options')

opts = [
    cfg.StrOpt('disk_driver', default='localdisk', ignore_case=True,
               choices=[('localdisk', 'logical volumes in a VIOS volume '
                                      'group'),
                        ('ssp', 'logical units in a Shared Storage Pool')],
               help='Where instance disks live.'),
    cfg.FloatOpt('proc_units_factor', default=0.1, min=0.05, max=1,
                 help='Physical processor units per virtual CPU.'),
    cfg.StrOpt('volume_group_name', default='',
               help='VIOS volume group for localdisk; required with it.'),
]


def register_opts(conf):
    # A fresh OptGroup per ConfigOpts: a shared one would share its
    # options' overrides between configurations.
    conf.register_group(cfg.OptGroup(group.name, title=group.title))
    conf.register_opts(opts, group=group.name)


def list_opts():
    return {group: opts}
