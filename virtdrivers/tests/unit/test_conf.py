"""Options: nova.conf compatibility, validation at load, the sample file."""

import os
import tempfile

import fixtures
import testtools
from oslo_config import cfg
from oslo_config import generator

from virtdrivers import conf as vconf

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
SAMPLE = os.path.join(TOP, 'etc', 'virtdrivers', 'virtdrivers.conf.sample')
GENERATOR = os.path.join(TOP, 'etc', 'virtdrivers',
                         'virtdrivers-config-generator.conf')


class TestConf(testtools.TestCase):
    def load(self, text):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'nova.conf')
        with open(path, 'w') as f:
            f.write(text)
        conf = vconf.new_conf()
        conf(['--config-file', path])
        return conf

    def test_nova_conf_keeps_working(self):
        conf = self.load('[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n'
                         'instances_path = /srv/nova/instances\n'
                         'use_cow_images = false\n'
                         '[libvirt]\nvirt_type = qemu\nimages_type = raw\n'
                         '[image_cache]\nsubdirectory_name = _cache\n'
                         '[xenserver]\nindependent_compute = true\n'
                         'check_host = false\n[powervm]\ndisk_driver = SSP\n'
                         '[unknown_section]\nwhatever = 1\n')
        vconf.validate(conf)
        self.assertEqual('qemu', conf.libvirt.virt_type)
        self.assertEqual('/srv/nova/instances', conf.instances_path)
        self.assertFalse(conf.use_cow_images)
        self.assertEqual('ssp', conf.powervm.disk_driver.lower())

    def test_nova_defaults(self):
        conf = self.load('')
        self.assertEqual('kvm', conf.libvirt.virt_type)
        self.assertEqual('default', conf.libvirt.images_type)
        self.assertTrue(conf.use_cow_images)
        self.assertTrue(conf.force_raw_images)
        self.assertEqual('none', conf.preallocate_images)
        self.assertEqual(86400, conf.image_cache
                         .remove_unused_original_minimum_age_seconds)
        self.assertEqual('$state_path/instances',
                         vconf.default.opts[4].default)

    def test_overrides_do_not_leak_between_configurations(self):
        first, second = self.load(''), self.load('')
        first.set_override('virt_type', 'qemu', group='libvirt')
        first.set_override('manager_interval', 5, group='image_cache')
        self.assertEqual('kvm', second.libvirt.virt_type)
        self.assertEqual(2400, second.image_cache.manager_interval)

    def test_unknown_virt_type_fails_at_load_naming_it(self):
        conf = self.load('[libvirt]\nvirt_type = amiga\n')
        err = self.assertRaises(cfg.ConfigFileValueError, vconf.validate, conf)
        self.assertIn('amiga', str(err))
        self.assertIn('virt_type', str(err))

    def test_negative_size_fails_at_load_naming_it(self):
        conf = self.load('[DEFAULT]\nreserved_host_memory_mb = -5\n')
        err = self.assertRaises(cfg.ConfigFileValueError, vconf.validate, conf)
        self.assertIn('reserved_host_memory_mb', str(err))
        self.assertIn('greater than or equal to 0', str(err))

    def test_every_option_has_help(self):
        for module in vconf.MODULES:
            for group, opts in module.list_opts().items():
                for opt in opts:
                    self.assertTrue(opt.help and len(opt.help) > 15,
                                    '%s.%s' % (group, opt.name))

    def test_committed_sample_is_current(self):
        out = os.path.join(tempfile.mkdtemp(), 'sample.conf')
        self.addCleanup(os.unlink, out)
        conf = cfg.ConfigOpts()
        generator.register_cli_opts(conf)
        conf(['--config-file', GENERATOR, '--output-file', out])
        generator.generate(conf)
        with open(out) as fresh, open(SAMPLE) as committed:
            self.assertEqual(fresh.read(), committed.read(),
                             'the sample is stale: run tox -e genconfig')
