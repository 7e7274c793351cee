"""The lvm backend: the shared suite on emulated volumes, the exact LVM
commands, clearing with the real dd and shred.

These machines have no device-mapper (``/dev/mapper/control`` is absent:
the kernel has no dm driver), so no logical volume can be activated here.
:class:`FakeLvm` emulates lvm2's command line over sparse files and is
injected as the backend's command runner, the one seam of
:mod:`virtdrivers.libvirt.lvm`; qemu-img, mkswap, mkfs, dd and shred run
for real on those files. ``tests/realhv/test_lvm.py`` runs real LVM.
"""

import os
import shlex

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import processes
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import lvm
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import lvm as lvm_backend
from virtdrivers.tests.unit.libvirt.imagebackend import helpers
from virtdrivers.tests.unit.libvirt.imagebackend import suite

MiB = helpers.MiB
GiB = 1024 * MiB
SWAP_MAGIC_OFFSET = 4096 - 10


class FakeLvm:
    """lvm2's command line, emulated over sparse files in *directory*.

    Handles the commands and options :mod:`virtdrivers.libvirt.lvm` uses
    (``vgs``, ``lvs``, ``lvcreate``, ``lvextend``, ``lvremove``), with lvm2's
    rounding to extents, free-space accounting, thin pools and its error
    messages and exit codes (captured from lvm2 2.03.16). A logical volume
    is the file ``<directory>/<vg>/<lv>``, reported as its ``lv_path``.
    Other commands (``dd``, ``shred``) run for real on those files.

    :param dev_paths: report ``/dev/<vg>/<lv>`` as ``lv_path``, as real lvm2
        does, and only record other commands (they would touch /dev).
    :ivar calls: every command, in order.
    """

    def __init__(self, directory, dev_paths=False):
        self.directory = directory
        self.dev_paths = dev_paths
        self.groups = {}
        self.volumes = {}
        self.calls = []

    def add_vg(self, name, size, extent=4 * MiB):
        self.groups[name] = {'size': size // extent * extent, 'extent': extent}
        os.makedirs(os.path.join(self.directory, name), exist_ok=True)

    def file_of(self, vg, lv):
        return os.path.join(self.directory, vg, lv)

    def names(self, vg='vg'):
        return sorted(lv for (group, lv) in self.volumes if group == vg)

    def __call__(self, *cmd):
        self.calls.append(cmd)
        handler = getattr(self, '_' + cmd[0], None)
        if handler is not None:
            return handler(cmd, list(cmd[1:]))
        if self.dev_paths:
            return ''
        return processes.run(*cmd)

    # -- lvm2's behaviour -------------------------------------------------

    @staticmethod
    def _fail(cmd, code, *lines):
        raise processes.ProcessFailed(
            cmd, code, ''.join('  %s\n' % line for line in lines))

    def _group(self, cmd, name):
        if name not in self.groups:
            self._fail(cmd, 5, 'Volume group "%s" not found' % name,
                       'Cannot process volume group %s' % name)
        return self.groups[name]

    def _free(self, vg):
        used = sum(v['size'] for (g, _), v in self.volumes.items()
                   if g == vg and v['attr'][0] != 'V')
        return self.groups[vg]['size'] - used

    def _round(self, vg, size):
        extent = self.groups[vg]['extent']
        return -(-size // extent) * extent

    @staticmethod
    def _bytes(cmd, text):
        if not text.endswith('b') or not text[:-1].isdigit():
            raise AssertionError('not a size in bytes: %r in %s'
                                 % (text, shlex.join(cmd)))
        return int(text[:-1])

    @staticmethod
    def _options(cmd, args, flags, valued):
        found, positional = {}, []
        while args:
            arg = args.pop(0)
            if arg in flags:
                found[arg] = True
            elif arg in valued:
                found.setdefault(arg, []).append(args.pop(0))
            elif arg.startswith('-'):
                raise AssertionError('option %s of %s is not emulated'
                                     % (arg, shlex.join(cmd)))
            else:
                positional.append(arg)
        return found, positional

    def _report(self, cmd, args):
        found, positional = self._options(
            cmd, args, ('--noheadings', '--nosuffix'),
            ('--units', '--separator', '-o'))
        if found.get('--units') != ['b'] or len(positional) != 1:
            raise AssertionError('not emulated: %s' % shlex.join(cmd))
        return found['-o'][0].split(','), found['--separator'][0], positional[0]

    def _vgs(self, cmd, args):
        fields, sep, name = self._report(cmd, args)
        group = self._group(cmd, name)
        values = {'vg_size': group['size'], 'vg_free': self._free(name),
                  'vg_extent_size': group['extent']}
        return '  %s\n' % sep.join(str(values[f]) for f in fields)

    def _lvs(self, cmd, args):
        fields, sep, name = self._report(cmd, args)
        self._group(cmd, name)
        lines = []
        for (vg, lv), volume in sorted(self.volumes.items()):
            if vg == name:
                values = self._lv_fields(vg, lv, volume)
                lines.append('  %s\n' % sep.join(str(values[f]) for f in fields))
        return ''.join(lines)

    def _allocated(self, vg, lv):
        try:
            return os.stat(self.file_of(vg, lv)).st_blocks * 512
        except FileNotFoundError:
            return 0

    def _lv_fields(self, vg, lv, volume):
        percent = ''
        if volume['attr'][0] == 'V':
            percent = '%.2f' % (100.0 * self._allocated(vg, lv) / volume['size'])
        elif volume['attr'][0] == 't':
            used = sum(self._allocated(g, name)
                       for (g, name), v in self.volumes.items()
                       if g == vg and v['pool'] == lv)
            percent = '%.2f' % (100.0 * used / volume['size'])
        path = '/dev/%s/%s' % (vg, lv) if self.dev_paths else \
            self.file_of(vg, lv)
        return {'lv_name': lv, 'lv_path': path, 'lv_size': volume['size'],
                'lv_attr': volume['attr'], 'data_percent': percent,
                'pool_lv': volume['pool'], 'lv_tags': ','.join(volume['tags'])}

    def _lvcreate(self, cmd, args):
        found, positional = self._options(
            cmd, args, ('--yes',),
            ('-L', '-V', '-T', '-n', '--addtag', '--type', '-l', '--zero'))
        name = found['-n'][0]
        if '-T' in found:
            vg, pool = found['-T'][0].split('/')
        else:
            (vg,) = positional
            pool = ''
        self._group(cmd, vg)
        if (vg, name) in self.volumes:
            self._fail(cmd, 5, 'Logical Volume "%s" already exists in volume '
                       'group "%s"' % (name, vg))
        if found.get('--type') == ['thin-pool']:
            percent = int(found['-l'][0].split('%')[0])
            extent = self.groups[vg]['extent']
            size = self._free(vg) * percent // 100 // extent * extent
            attr = 'twi-a-t%s--' % ('z' if found.get('--zero') == ['y'] else '-')
        elif pool:
            if (vg, pool) not in self.volumes:
                self._fail(cmd, 5, 'Thin pool %s not found in Volume group %s.'
                           % (pool, vg))
            size = self._round(vg, self._bytes(cmd, found['-V'][0]))
            attr = 'Vwi-a-tz--'
        else:
            size = self._round(vg, self._bytes(cmd, found['-L'][0]))
            attr = '-wi-a-----'
        if attr[0] != 'V' and size > self._free(vg):
            extent = self.groups[vg]['extent']
            self._fail(cmd, 5, 'Volume group "%s" has insufficient free space '
                       '(%d extents): %d required.'
                       % (vg, self._free(vg) // extent, size // extent))
        self.volumes[vg, name] = {'size': size, 'attr': attr, 'pool': pool,
                                  'tags': tuple(found.get('--addtag', ()))}
        if attr[0] != 't':
            with open(self.file_of(vg, name), 'xb') as f:
                f.truncate(size)
        return '  Logical volume "%s" created.\n' % name

    def _lvextend(self, cmd, args):
        found, (full,) = self._options(cmd, args, (), ('-L',))
        vg, lv = full.split('/')
        self._group(cmd, vg)
        if (vg, lv) not in self.volumes:
            self._fail(cmd, 5, 'Logical volume %s not found in volume group %s.'
                       % (lv, vg))
        volume = self.volumes[vg, lv]
        size = self._round(vg, self._bytes(cmd, found['-L'][0]))
        if size <= volume['size']:
            self._fail(cmd, 3, 'New size given (%d extents) not larger than '
                       'existing size.' % (size // self.groups[vg]['extent']))
        if volume['attr'][0] != 'V' and \
                size - volume['size'] > self._free(vg):
            self._fail(cmd, 5, 'Insufficient free space: %d extents needed.'
                       % (size // self.groups[vg]['extent']))
        volume['size'] = size
        os.truncate(self.file_of(vg, lv), size)
        return ''

    def _lvremove(self, cmd, args):
        _found, (full,) = self._options(cmd, args, ('-f',), ())
        vg, lv = full.split('/')
        if (vg, lv) not in self.volumes:
            self._fail(cmd, 5, 'Failed to find logical volume "%s"' % full)
        del self.volumes[vg, lv]
        if os.path.exists(self.file_of(vg, lv)):
            os.unlink(self.file_of(vg, lv))
        return '  Logical volume "%s" successfully removed.\n' % lv


def lvm_settings(**kwargs):
    kwargs.setdefault('volume_group', 'vg')
    return lvm_backend.LvmSettings(**kwargs)


# -- the shared suite ---------------------------------------------------


class LvmSuiteTest(suite.BackendSuite, testtools.TestCase):
    sparse = False

    def make_backend(self, cache):
        self.fake = FakeLvm(os.path.join(self.tmp, 'lvm'))
        # 1 MiB extents (vgcreate -s 1M) keep the suite's 1 and 2 MiB disks
        # exact; TestExtents covers lvm2's default 4 MiB.
        self.fake.add_vg('vg', 4 * GiB, extent=MiB)
        return lvm_backend.Lvm(self.instances, cache, base.BackendSettings(),
                               lvm_settings(sparse=self.sparse),
                               runner=self.fake)

    def storage_left(self, instance):
        prefix = instance.uuid + '_'
        left = [lv for lv in self.fake.names() if lv.startswith(prefix)]
        files = os.listdir(os.path.join(self.fake.directory, 'vg'))
        self.assertEqual(sorted(left), sorted(f for f in files
                                              if f.startswith(prefix)))
        return left


class LvmThinSuiteTest(LvmSuiteTest):
    sparse = True


# -- the commands -------------------------------------------------------


class _CommandsBase(testtools.TestCase):
    """An Lvm backend on a FakeLvm reporting ``/dev/<vg>/<lv>`` paths, with
    ``qemu-img convert`` recorded instead of run (it would write to /dev)."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.images = self.useFixture(helpers.ImageStore())
        self.instances = os.path.join(self.tmp, 'instances')
        self.cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'))
        self.fake = FakeLvm(os.path.join(self.tmp, 'lvm'), dev_paths=True)
        self.fake.add_vg('vg', 4 * GiB)
        self.converts = []
        self.useFixture(fixtures.MockPatchObject(
            qemuimg, 'convert', lambda *a, **kw: self.converts.append(a)))
        self.instance = objects.Instance()
        self.image = self.images.raw_image(size=8 * MiB)
        self.lv = '%s_disk' % self.instance.uuid

    def backend(self, **kwargs):
        backend = lvm_backend.Lvm(self.instances, self.cache,
                                  base.BackendSettings(),
                                  lvm_settings(**kwargs), runner=self.fake)
        del self.fake.calls[:]
        return backend

    def lvm_calls(self, *tools):
        return [c for c in self.fake.calls if c[0] in tools]


VGS = ('vgs', '--noheadings', '--nosuffix', '--units', 'b', '--separator',
       '|', '-o', 'vg_size,vg_free,vg_extent_size', 'vg')
LVS = ('lvs', '--noheadings', '--nosuffix', '--units', 'b', '--separator',
       '|', '-o', 'lv_name,lv_path,lv_size,lv_attr,data_percent,pool_lv,'
       'lv_tags', 'vg')


class TestCommands(_CommandsBase):
    def test_start_checks_the_volume_group(self):
        lvm_backend.Lvm(self.instances, self.cache, base.BackendSettings(),
                        lvm_settings(), runner=self.fake)
        self.assertEqual([VGS], self.fake.calls)

    def test_thick_volume_from_image(self):
        backend = self.backend()
        source = backend.create_from_image(None, self.instance, 'disk',
                                           self.image, 16 * MiB)
        base_path = self.cache.path_for(self.image.id)
        self.assertEqual(
            [LVS,
             ('lvcreate', '--yes', '-L', '16777216b', '-n', self.lv,
              '--addtag', 'virtdrivers-base-' + os.path.basename(base_path),
              'vg'),
             LVS], self.fake.calls)
        self.assertEqual([(base_path, 'raw', '/dev/vg/' + self.lv, 'raw')],
                         self.converts)
        self.assertEqual(context.DiskSource(type='block',
                                            path='/dev/vg/' + self.lv,
                                            format='raw'), source)

    def test_sparse_volumes_are_thin_in_the_group_pool(self):
        backend = lvm_backend.Lvm(self.instances, self.cache,
                                  base.BackendSettings(),
                                  lvm_settings(sparse=True), runner=self.fake)
        self.assertEqual(
            [VGS, LVS, ('lvcreate', '--yes', '--type', 'thin-pool', '-l',
                        '95%FREE', '--zero', 'y', '-n', 'vg-pool', 'vg')],
            self.fake.calls)
        del self.fake.calls[:]
        backend.create_blank(self.instance, 'disk.local', 2 * GiB)
        self.assertIn(('lvcreate', '--yes', '-V', '%db' % (2 * GiB), '-T',
                       'vg/vg-pool', '-n', '%s_disk.local' % self.instance.uuid),
                      self.fake.calls)
        # An existing pool is used as it is.
        del self.fake.calls[:]
        lvm_backend.Lvm(self.instances, self.cache, base.BackendSettings(),
                        lvm_settings(sparse=True), runner=self.fake)
        self.assertEqual([VGS, LVS], self.fake.calls)

    def test_sparse_name_taken_by_a_plain_volume_is_refused(self):
        self.fake.volumes['vg', 'vg-pool'] = {'size': MiB, 'attr': '-wi-a-----',
                                              'pool': '', 'tags': ()}
        err = self.assertRaises(exception.ConfigurationError, self.backend,
                                sparse=True)
        self.assertIn('not a thin pool', str(err))

    def test_delete_zeroes_then_removes(self):
        backend = self.backend()
        backend.create_blank(self.instance, 'disk', 8 * MiB)
        del self.fake.calls[:]
        backend.delete(self.instance, 'disk')
        self.assertEqual(
            [LVS,
             ('dd', 'if=/dev/zero', 'of=/dev/vg/' + self.lv, 'bs=1M',
              'count=%d' % (8 * MiB), 'iflag=count_bytes', 'oflag=direct',
              'conv=notrunc,fdatasync'),
             ('lvremove', '-f', 'vg/' + self.lv)], self.fake.calls)

    def test_shred_three_passes_limited_by_volume_clear_size(self):
        backend = self.backend(volume_clear='shred', volume_clear_size_mib=2)
        backend.create_blank(self.instance, 'disk', 8 * MiB)
        backend.delete(self.instance, 'disk')
        self.assertEqual([('shred', '-n3', '-s%d' % (2 * MiB),
                           '/dev/vg/' + self.lv)],
                         self.lvm_calls('shred', 'dd'))

    def test_clear_size_larger_than_the_volume_clears_the_volume(self):
        backend = self.backend(volume_clear_size_mib=1024)
        backend.create_blank(self.instance, 'disk', 8 * MiB)
        backend.delete(self.instance, 'disk')
        (dd,) = self.lvm_calls('dd')
        self.assertIn('count=%d' % (8 * MiB), dd)

    def test_volume_clear_none_only_removes(self):
        backend = self.backend(volume_clear='none')
        backend.create_blank(self.instance, 'disk', 8 * MiB)
        backend.delete(self.instance, 'disk')
        self.assertEqual([], self.lvm_calls('shred', 'dd'))
        self.assertEqual([('lvremove', '-f', 'vg/' + self.lv)],
                         self.lvm_calls('lvremove'))

    def test_thin_volumes_of_a_zeroing_pool_are_not_cleared(self):
        backend = lvm_backend.Lvm(self.instances, self.cache,
                                  base.BackendSettings(),
                                  lvm_settings(sparse=True), runner=self.fake)
        backend.create_blank(self.instance, 'disk', 8 * MiB)
        backend.delete(self.instance, 'disk')
        self.assertEqual([], self.lvm_calls('shred', 'dd'))

    def test_thin_volumes_of_a_pool_that_does_not_zero_are_cleared(self):
        self.fake.volumes['vg', 'vg-pool'] = {'size': GiB, 'attr': 'twi-a-t---',
                                              'pool': '', 'tags': ()}
        backend = self.backend(sparse=True)
        backend.create_blank(self.instance, 'disk', 8 * MiB)
        backend.delete(self.instance, 'disk')
        self.assertEqual(1, len(self.lvm_calls('dd')))

    def test_resize_extends_in_bytes(self):
        backend = self.backend()
        backend.create_blank(self.instance, 'disk', 8 * MiB)
        del self.fake.calls[:]
        backend.resize(self.instance, 'disk', 12 * MiB)
        self.assertEqual([('lvextend', '-L', '%db' % (12 * MiB),
                           'vg/' + self.lv)], self.lvm_calls('lvextend'))
        backend.resize(self.instance, 'disk', 12 * MiB)   # no change: no call
        self.assertEqual(1, len(self.lvm_calls('lvextend')))

    def test_snapshot_extract_reads_the_volume_as_raw(self):
        backend = self.backend()
        backend.create_blank(self.instance, 'disk', 8 * MiB)
        target = os.path.join(self.tmp, 'out')
        backend.snapshot_extract(self.instance, 'disk', target, 'qcow2')
        self.assertEqual([('/dev/vg/' + self.lv, 'raw', target, 'qcow2')],
                         self.converts)

    def test_capacity_of_thick_volumes_is_the_group(self):
        backend = self.backend()
        backend.create_blank(self.instance, 'disk', 1 * GiB)
        self.assertEqual((4 * GiB, 3 * GiB), backend.capacity())

    def test_capacity_of_thin_volumes_is_the_pool(self):
        backend = self.backend(sparse=True)
        pool = self.fake.volumes['vg', 'vg-pool']['size']
        self.assertEqual(4 * GiB * 95 // 100 // (4 * MiB) * (4 * MiB), pool)
        backend.create_blank(self.instance, 'disk', 1 * GiB)
        self.assertEqual((pool, pool), backend.capacity())

    def test_failed_conversion_removes_the_volume_and_the_reference(self):
        backend = self.backend()

        def fail(*args):
            raise exception.ImageBackendError(backend='qemu-img', reason='boom')

        self.useFixture(fixtures.MockPatchObject(qemuimg, 'convert', fail))
        self.assertRaises(exception.ImageBackendError, backend.create_from_image,
                          None, self.instance, 'disk', self.image, 0)
        self.assertEqual([], self.fake.names())
        self.assertEqual(['lvcreate', 'dd', 'lvremove'],
                         [c[0] for c in self.fake.calls
                          if c[0] in ('lvcreate', 'dd', 'lvremove')])
        self.assertEqual([], self.cache.references(
            self.cache.path_for(self.image.id)))


class TestConfiguration(_CommandsBase):
    def test_missing_volume_group_fails_at_start(self):
        err = self.assertRaises(
            exception.ConfigurationError, lvm_backend.Lvm, self.instances,
            self.cache, base.BackendSettings(), lvm_settings(volume_group='nope'),
            runner=self.fake)
        self.assertIn('[libvirt] images_volume_group=nope', str(err))
        self.assertIn('Volume group "nope" not found', str(err))

    def test_no_volume_group_configured(self):
        err = self.assertRaises(exception.ConfigurationError,
                                lvm_backend.LvmSettings, volume_group=None)
        self.assertIn('[libvirt] images_volume_group', str(err))
        err = self.assertRaises(exception.ConfigurationError, lvm_backend.Lvm,
                                self.instances, self.cache,
                                base.BackendSettings())
        self.assertIn('[libvirt] images_volume_group', str(err))

    def test_unknown_clear_method(self):
        self.assertRaises(exception.ConfigurationError, lvm_settings,
                          volume_clear='wipe')

    def test_from_conf(self):
        conf = vconf.new_conf()
        conf([], project='virtdrivers-test')
        conf.set_override('images_volume_group', 'vg', group='libvirt')
        conf.set_override('sparse_logical_volumes', True, group='libvirt')
        conf.set_override('volume_clear', 'shred', group='libvirt')
        conf.set_override('volume_clear_size', 7, group='libvirt')
        backend = lvm_backend.Lvm.from_conf(self.instances, self.cache,
                                            base.BackendSettings(), conf,
                                            runner=self.fake)
        self.assertEqual(lvm_backend.LvmSettings('vg', True, 'shred', 7),
                         backend.lvm_settings)
        self.assertEqual('vg-pool', backend.thin_pool)

    def test_missing_lvm_tools(self):
        def missing(*cmd):
            raise FileNotFoundError(2, 'No such file or directory', cmd[0])

        err = self.assertRaises(exception.ConfigurationError, lvm_backend.Lvm,
                                self.instances, self.cache,
                                base.BackendSettings(), lvm_settings(),
                                runner=missing)
        self.assertIn('install lvm2', str(err))


# -- behaviour on emulated volumes --------------------------------------


class _EmulatedBase(testtools.TestCase):
    extent = 4 * MiB

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.images = self.useFixture(helpers.ImageStore())
        self.instances = os.path.join(self.tmp, 'instances')
        self.fake = FakeLvm(os.path.join(self.tmp, 'lvm'))
        self.fake.add_vg('vg', 256 * MiB, extent=self.extent)
        self.instance = objects.Instance()
        self.image = self.images.raw_image(size=8 * MiB)

    def backend(self, force_raw=True, **kwargs):
        cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'), force_raw=force_raw)
        return lvm_backend.Lvm(self.instances, cache,
                               base.BackendSettings(force_raw=force_raw),
                               lvm_settings(**kwargs), runner=self.fake)


class TestEmulated(_EmulatedBase):
    def test_sizes_round_up_to_extents(self):
        backend = self.backend()
        backend.create_blank(self.instance, 'disk.swap', 2 * MiB, 'swap')
        (info,) = backend.disk_info(self.instance)
        self.assertEqual(4 * MiB, info['virt_disk_size'])
        self.assertEqual(4 * MiB, info['disk_size'])
        path = backend.source(self.instance, 'disk.swap').path
        self.assertEqual(b'SWAPSPACE2', helpers.read_at(
            path, SWAP_MAGIC_OFFSET, 10))

    def test_qcow2_base_without_force_raw_is_converted_into_the_volume(self):
        # The cache keeps the qcow2 base; the conversion names its format.
        self.image = self.images.qcow2_image(size=8 * MiB)
        backend = self.backend(force_raw=False)
        source = backend.create_from_image(None, self.instance, 'disk',
                                           self.image, 0)
        self.assertEqual('qcow2', backend.cache.fetch(None, self.image).format)
        self.assertEqual(helpers.MARKER, helpers.read_at(source.path))
        self.assertTrue(backend.image_types['supports_image_type_qcow2'])

    def test_full_group_is_insufficient_storage_and_leaves_nothing(self):
        backend = self.backend()
        self.assertRaises(exception.InsufficientStorage,
                          backend.create_from_image, None, self.instance,
                          'disk', self.image, 512 * MiB)
        self.assertEqual([], self.fake.names())
        self.assertEqual([], backend.cache.references(
            backend.cache.path_for(self.image.id)))

    def test_reference_kept_while_another_disk_uses_the_base(self):
        backend = self.backend()
        base_path = backend.cache.path_for(self.image.id)
        backend.create_from_image(None, self.instance, 'disk', self.image, 0)
        backend.create_from_image(None, self.instance, 'disk.rescue',
                                  self.image, 0)
        backend.delete(self.instance, 'disk.rescue')
        self.assertEqual([self.instance.uuid], backend.cache.references(base_path))
        backend.delete(self.instance, 'disk')
        self.assertEqual([], backend.cache.references(base_path))

    def test_existing_disk_is_refused(self):
        backend = self.backend()
        backend.create_blank(self.instance, 'disk', 4 * MiB)
        self.assertRaises(exception.InvalidInput, backend.create_blank,
                          self.instance, 'disk', 4 * MiB)

    def test_bad_disk_names_are_refused(self):
        backend = self.backend()
        for name in ('', 'a/b', 'disk x'):
            self.assertRaises(exception.InvalidInput, backend.create_blank,
                              self.instance, name, 4 * MiB)

    def test_other_instances_volumes_are_not_listed(self):
        backend = self.backend()
        other = objects.Instance()
        backend.create_blank(self.instance, 'disk', 4 * MiB)
        backend.create_blank(other, 'disk.local', 4 * MiB)
        self.assertEqual(['disk'], backend.disk_names(self.instance))
        self.assertFalse(backend.exists(self.instance, 'disk.local'))

    def test_ephemeral_file_system(self):
        backend = lvm_backend.Lvm(
            self.instances, imagecache.ImageCache(
                os.path.join(self.instances, '_base'), self.images.store,
                os.path.join(self.instances, 'locks')),
            base.BackendSettings(default_ephemeral_format='ext4'),
            lvm_settings(), runner=self.fake)
        source = backend.create_blank(self.instance, 'disk.local', 8 * MiB)
        self.assertEqual(b'\x53\xef', helpers.read_at(source.path, 1080, 2))

    def test_thin_volume_reports_what_it_allocates(self):
        backend = self.backend(sparse=True)
        backend.create_from_image(None, self.instance, 'disk', self.image,
                                  64 * MiB)
        (info,) = backend.disk_info(self.instance)
        self.assertEqual(64 * MiB, info['virt_disk_size'])
        self.assertLess(info['disk_size'], 8 * MiB)
        self.assertEqual(64 * MiB - info['disk_size'],
                         info['over_committed_disk_size'])


class TestClearForReal(testtools.TestCase):
    """dd and shred with the backend's arguments, on a plain file."""

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'lv')
        with open(self.path, 'wb') as f:
            f.write(b'\xaa' * (3 * MiB))
        self.volume = lvm.Volume(name='lv', path=self.path, size=3 * MiB,
                                 attr='-wi-a-----')
        self.vg = lvm.VolumeGroup('vg')

    def content(self):
        with open(self.path, 'rb') as f:
            return f.read()

    def test_zero(self):
        self.vg.clear(self.volume, 'zero')
        self.assertEqual(bytes(3 * MiB), self.content())

    def test_zero_first_mib_only(self):
        self.vg.clear(self.volume, 'zero', size_mib=1)
        data = self.content()
        self.assertEqual(bytes(MiB), data[:MiB])
        self.assertEqual(b'\xaa' * (2 * MiB), data[MiB:])

    def test_shred(self):
        self.vg.clear(self.volume, 'shred', size_mib=1)
        data = self.content()
        self.assertEqual(3 * MiB, len(data))
        self.assertNotIn(b'\xaa' * 64, data[:MiB])
        self.assertEqual(b'\xaa' * (2 * MiB), data[MiB:])

    def test_failure_names_the_tool(self):
        volume = lvm.Volume(name='lv', path='/nonexistent/dir/lv', size=MiB,
                            attr='-wi-a-----')
        err = self.assertRaises(exception.ImageBackendError, self.vg.clear,
                                volume, 'shred')
        self.assertIn('shred exited', str(err))
