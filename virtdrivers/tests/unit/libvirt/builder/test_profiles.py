"""Profiles answer every per-hypervisor question; images are checked against
them with messages naming the property, the value and the choices."""

import dataclasses

import testtools

from virtdrivers import capabilities
from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.libvirt import profiles
from virtdrivers.libvirt.profiles import catalogue

IMAGE_ID = "0b3e7b2e-1b7c-4a4a-9d9e-8e1f8c7e6a55"


def image(**props):
    return objects.ImageMeta.from_dict({"id": IMAGE_ID, "properties": props})


class TestLookup(testtools.TestCase):

    def test_virt_types_have_their_profile(self):
        for virt_type, domain_type in (("kvm", "kvm"), ("qemu", "qemu")):
            profile = profiles.get(virt_type)
            self.assertEqual((virt_type, virt_type, domain_type),
                             (profile.name, profile.virt_type,
                              profile.domain_type))
            self.assertEqual("qemu:///system", profile.default_uri)
            self.assertEqual("hvm", profile.os_type)

    def test_unknown_virt_type_is_a_configuration_error(self):
        err = self.assertRaises(exception.ConfigurationError,
                                profiles.get, "lxc")
        self.assertIn("'lxc'", str(err))
        self.assertIn("kvm, parallels, qemu, xen", str(err))

    def test_unknown_profile_name(self):
        err = self.assertRaises(exception.ConfigurationError,
                                profiles.by_name, "xen-pvh")
        self.assertIn("'xen-pvh'", str(err))

    def test_names(self):
        self.assertEqual(["kvm", "parallels-ct", "parallels-vm", "qemu",
                          "xen-hvm", "xen-pv"], profiles.names())

    def test_families_start_from_their_default_vm_mode(self):
        self.assertIs(profiles.XEN_PV, profiles.get("xen"))
        self.assertIs(profiles.PARALLELS_VM, profiles.get("parallels"))
        self.assertEqual(("xen", "xen:///system", "xen"),
                         (profiles.XEN_PV.domain_type,
                          profiles.XEN_PV.default_uri, profiles.XEN_PV.os_type))
        self.assertEqual(("vz", "parallels:///system"),
                         (profiles.PARALLELS_VM.domain_type,
                          profiles.PARALLELS_VM.default_uri))

    def test_an_option_can_make_another_member_the_default(self):
        # [libvirt] xen_default_vm_mode=hvm
        self.assertIs(profiles.XEN_HVM, profiles.get("xen", "hvm"))
        self.assertIs(profiles.XEN_HVM, profiles.get("xen", "hvm").for_image(
            image()))
        self.assertIs(profiles.XEN_PV, profiles.get("xen", "hvm").for_image(
            image(vm_mode="xen")))
        err = self.assertRaises(exception.ConfigurationError, profiles.get,
                                "kvm", "xen")
        self.assertIn("vm_mode 'xen'", str(err))

    def test_family_members(self):
        for member in (profiles.XEN_PV, profiles.XEN_HVM):
            self.assertEqual({"xen-pv", "xen-hvm"},
                             {p.name for p in member.family()})
        self.assertEqual(("parallels-vm", "parallels-ct"),
                         tuple(p.name for p in profiles.PARALLELS_VM.family()))
        self.assertEqual((profiles.KVM,), profiles.KVM.family())

    def test_a_name_is_registered_once(self):
        twin = dataclasses.replace(profiles.QEMU)
        err = self.assertRaises(ValueError, catalogue.register, twin)
        self.assertIn("qemu", str(err))
        self.assertIs(profiles.QEMU, profiles.by_name("qemu"))


class TestAnswers(testtools.TestCase):

    def test_qemu_guests_default_to_virtio(self):
        for profile in (profiles.KVM, profiles.QEMU):
            self.assertEqual(
                ("virtio", "virtio", "virtio", "virtio", "ide"),
                (profile.default_disk_bus, profile.default_vif_model,
                 profile.default_video_model, profile.memballoon_model,
                 profile.default_cdrom_bus))
            self.assertIsNone(profile.default_machine_type)

    def test_device_prefixes(self):
        prefixes = {bus: profiles.KVM.device_prefix(bus)
                    for bus in profiles.KVM.disk_buses}
        self.assertEqual({"virtio": "vd", "scsi": "sd", "sata": "sd",
                          "usb": "sd", "ide": "hd"}, prefixes)

    def test_cpu_mode_defaults(self):
        self.assertEqual("host-model", profiles.KVM.default_cpu_mode)
        self.assertEqual("none", profiles.QEMU.default_cpu_mode)
        self.assertNotIn("host-passthrough", profiles.QEMU.cpu_modes)

    def test_q35_has_no_ide(self):
        self.assertEqual("sata", profiles.KVM.cdrom_bus_for("pc-q35-8.2"))
        self.assertEqual("ide", profiles.KVM.cdrom_bus_for("pc-i440fx-8.2"))
        self.assertEqual("ide", profiles.KVM.cdrom_bus_for(None))

    def test_channels_and_consoles(self):
        profile = profiles.KVM
        self.assertEqual("org.virtdrivers.config.0", profile.config_channel)
        self.assertEqual("org.qemu.guest_agent.0", profile.guest_agent_channel)
        self.assertTrue(profile.serial_console)
        self.assertEqual(frozenset({"vnc", "spice"}), profile.graphics_types)
        self.assertEqual(frozenset({"acpi", "apic", "vmcoreinfo"}),
                         profile.features)

    def test_operations_are_known_and_include_the_mandatory_ones(self):
        for profile in (profiles.KVM, profiles.QEMU):
            self.assertTrue(profile.operations <= capabilities.OPERATION_NAMES)
            self.assertTrue(capabilities.MANDATORY <= profile.operations)
            for name in ("pause", "rescue", "spice-console", "quiesce",
                         "config-drive", "swap-disk", "live-migrate"):
                self.assertTrue(profile.supports(name), name)
            for name in ("mks-console", "host-maintenance-mode",
                         "live-migrate-abort"):
                self.assertFalse(profile.supports(name), name)

    def test_supports_rejects_unknown_operation_names(self):
        self.assertRaises(ValueError, profiles.KVM.supports, "teleport")

    def test_unknown_operation_in_a_profile_fails_at_definition(self):
        err = self.assertRaises(ValueError, dataclasses.replace,
                                profiles.KVM, name="bad",
                                operations=frozenset({"teleport"}))
        self.assertIn("teleport", str(err))

    def test_profiles_are_frozen(self):
        self.assertRaises(dataclasses.FrozenInstanceError, setattr,
                          profiles.KVM, "domain_type", "xen")
        self.assertRaises(TypeError, _assign, profiles.KVM.device_prefixes,
                          "xen", "xvd")


def _assign(mapping, key, value):
    mapping[key] = value


class TestForImage(testtools.TestCase):

    def test_kvm_and_qemu_are_their_own_image_profile(self):
        for profile in (profiles.KVM, profiles.QEMU):
            self.assertIs(profile, profile.for_image(image()))
            self.assertIs(profile,
                          profile.for_image(image(vm_mode="hvm")))

    def test_vm_mode_the_family_cannot_run(self):
        for mode in ("xen", "exe"):
            err = self.assertRaises(exception.InvalidImage,
                                    profiles.KVM.for_image,
                                    image(vm_mode=mode))
            self.assertIn("vm_mode='%s'" % mode, str(err))
            self.assertIn("allowed: hvm", str(err))

    def test_variants_choose_a_family_member_by_vm_mode(self):
        # The shape xen and parallels use: one family, members by vm_mode.
        hvm = dataclasses.replace(profiles.KVM, vm_modes=("hvm", "exe"),
                                  variants={"exe": "qemu"})
        self.assertIs(hvm, hvm.for_image(image()))
        self.assertIs(profiles.QEMU, hvm.for_image(image(vm_mode="exe")))


class TestValidateImage(testtools.TestCase):

    BAD = (
        ("hw_disk_bus", "floppy"),
        ("hw_cdrom_bus", "virtio"),
        ("hw_vif_model", "netfront"),
        ("hw_video_model", "xen"),
        ("hw_rng_model", "egd"),
        ("hw_scsi_model", "megasas"),
        ("hw_pointer_model", "joystick"),
    )

    def assertInvalid(self, profile, props, *fragments, machine_type=None):
        err = self.assertRaises(exception.InvalidImage, profile.validate_image,
                                image(**props),
                                machine_type=machine_type)
        self.assertIn(IMAGE_ID, str(err))
        for fragment in fragments:
            self.assertIn(fragment, str(err))
        return err

    def test_bad_values_name_property_value_and_choices(self):
        for prop, value in self.BAD:
            err = self.assertInvalid(profiles.KVM, {prop: value},
                                     "%s=%r" % (prop, value), "allowed: ")
            allowed = dict(profiles.KVM._choices())[prop]
            self.assertIn(", ".join(allowed), str(err))

    def test_all_bad_properties_are_reported_at_once(self):
        self.assertInvalid(profiles.QEMU,
                           {"hw_disk_bus": "floppy", "hw_vif_model": "x"},
                           "hw_disk_bus='floppy'", "hw_vif_model='x'")

    def test_good_values_pass(self):
        for props in ({}, {"hw_disk_bus": "scsi", "hw_cdrom_bus": "sata",
                           "hw_vif_model": "e1000", "hw_video_model": "qxl",
                           "hw_rng_model": "virtio", "hw_machine_type": "q35",
                           "hw_scsi_model": "virtio-scsi", "vm_mode": "hvm"}):
            self.assertIsNone(profiles.KVM.validate_image(image(**props)))

    def test_machine_type_format(self):
        self.assertInvalid(profiles.KVM, {"hw_machine_type": "pc; rm -rf"},
                           "hw_machine_type='pc; rm -rf'", "machine type name")
        for good in ("pc", "q35", "pc-i440fx-8.2", "pc-q35-rhel9.2.0"):
            profiles.KVM.validate_image(image(hw_machine_type=good))

    def test_ide_is_refused_on_q35(self):
        self.assertInvalid(profiles.KVM, {"hw_machine_type": "pc-q35-8.2",
                                          "hw_cdrom_bus": "ide"},
                           "hw_cdrom_bus='ide'", "pc-q35-8.2", "no ide bus")
        # ... also when q35 is the host's default machine type.
        self.assertInvalid(profiles.KVM, {"hw_disk_bus": "ide"},
                           "hw_disk_bus='ide'", machine_type="q35")
        profiles.KVM.validate_image(image(hw_disk_bus="ide"),
                                    machine_type="pc")

    def test_topology_numbers_must_be_positive(self):
        self.assertInvalid(profiles.KVM, {"hw_cpu_cores": 0},
                           "hw_cpu_cores=0", "positive")

    def test_vm_mode(self):
        self.assertInvalid(profiles.KVM, {"vm_mode": "exe"}, "vm_mode='exe'")


class TestValidateSettings(testtools.TestCase):

    def test_cpu_mode_names_the_option(self):
        err = self.assertRaises(exception.ConfigurationError,
                                profiles.QEMU.validate_settings,
                                cpu_mode="host-passthrough")
        self.assertIn("[libvirt] cpu_mode=host-passthrough", str(err))
        self.assertIn("allowed: none, custom", str(err))

    def test_custom_needs_models(self):
        err = self.assertRaises(exception.ConfigurationError,
                                profiles.KVM.validate_settings,
                                cpu_mode="custom")
        self.assertIn("cpu_models", str(err))

    def test_graphics_the_profile_lacks(self):
        profile = dataclasses.replace(profiles.KVM, name="headless",
                                      graphics_types=frozenset())
        err = self.assertRaises(exception.ConfigurationError,
                                profile.validate_settings,
                                graphics_types=("vnc",))
        self.assertIn("vnc graphics", str(err))
        profiles.KVM.validate_settings(cpu_mode="host-passthrough",
                                       graphics_types=("vnc", "spice"))


class TestXenAndParallels(testtools.TestCase):
    """What differs between the hypervisors, as profile answers."""

    def test_xen_pv_uses_the_pv_device_family(self):
        pv = profiles.XEN_PV
        self.assertEqual(("xen", "xvd", "netfront", "xen", "xen", "xen"),
                         (pv.default_disk_bus, pv.device_prefix("xen"),
                          pv.default_vif_model, pv.default_video_model,
                          pv.console_target_type, pv.channel_target_type))
        self.assertTrue(pv.bootloader)
        self.assertFalse(pv.serial_console)

    def test_xen_hvm_is_emulated_with_pv_drivers_on_request(self):
        hvm = profiles.XEN_HVM
        self.assertEqual(("ide", "e1000", "vga"),
                         (hvm.default_disk_bus, hvm.default_vif_model,
                          hvm.default_video_model))
        self.assertIn("xen", hvm.disk_buses)
        self.assertIn("netfront", hvm.vif_models)
        self.assertTrue(hvm.hvm_loader)
        self.assertEqual("file", hvm.serial_log)

    def test_kvm_keeps_virtio(self):
        self.assertEqual(("virtio", "virtio", "virtio"),
                         (profiles.KVM.default_disk_bus,
                          profiles.KVM.default_vif_model,
                          profiles.KVM.channel_target_type))

    def test_parallels_devices_are_the_ones_vz_accepts(self):
        vm, ct = profiles.PARALLELS_VM, profiles.PARALLELS_CT
        self.assertEqual(("scsi", "ide", ("vga",), False),
                         (vm.default_disk_bus, vm.default_cdrom_bus,
                          vm.video_models, vm.serial_console))
        self.assertEqual(("exe", "/sbin/init", "ploop", ()),
                         (ct.os_type, ct.init_path, ct.filesystem_driver,
                          ct.video_models))
        for profile in (vm, ct):
            self.assertIsNone(profile.config_channel)
            self.assertIsNone(profile.memballoon_model)
            self.assertFalse(profile.features)

    def test_operations_per_kind(self):
        vm, ct = profiles.PARALLELS_VM, profiles.PARALLELS_CT
        for name in ("pause", "swap-disk"):
            self.assertTrue(vm.supports(name), name)
            self.assertFalse(ct.supports(name), name)
        for profile in (vm, ct):
            for name in ("spice-console", "diagnostics", "console-output",
                         "attach-volume", "swap-volume"):
                self.assertFalse(profile.supports(name), (profile.name, name))
            for name in ("reboot", "rescue", "suspend", "vnc-console",
                         "snapshot", "set-admin-password", "config-drive"):
                self.assertTrue(profile.supports(name), (profile.name, name))
            # libvirt sets the password itself: no guest agent needed.
            self.assertEqual(frozenset(), profile.agent_operations)
        self.assertEqual({"set-admin-password", "quiesce"},
                         profiles.KVM.agent_operations)
        for profile in (profiles.XEN_PV, profiles.XEN_HVM):
            for name in ("set-admin-password", "quiesce", "spice-console",
                         "trigger-crash-dump"):
                self.assertFalse(profile.supports(name), (profile.name, name))
        # The PV console is xenconsoled's pty: nothing logs it to a file.
        self.assertFalse(profiles.XEN_PV.supports("console-output"))
        self.assertTrue(profiles.XEN_HVM.supports("console-output"))

    def test_no_profile_claims_what_the_driver_lacks(self):
        for name in profiles.names():
            profile = profiles.by_name(name)
            # No volume code yet: no profile attaches volumes.
            self.assertFalse(profile.supports("attach-volume"), name)
            # Resize, rebuild and evacuation work for every kind.
            for op in ("resize", "rebuild", "evacuate"):
                self.assertTrue(profile.supports(op), (name, op))


class TestHostDetection(testtools.TestCase):

    def test_who_needs_it(self):
        self.assertEqual("kvm", profiles.KVM.host_hypervisor)
        self.assertEqual("xen", profiles.XEN_HVM.host_hypervisor)
        self.assertIsNone(profiles.QEMU.host_hypervisor)
        self.assertTrue(profiles.needs_host_detection(profiles.KVM, "QEMU",
                                                      "qemu:///system"))
        self.assertTrue(profiles.needs_host_detection(profiles.XEN_PV, "Xen"))
        self.assertFalse(profiles.needs_host_detection(profiles.QEMU, "QEMU"))

    def test_not_for_the_in_process_test_driver(self):
        self.assertFalse(profiles.needs_host_detection(
            profiles.KVM, "TEST", "test:///default"))

    def test_not_for_a_remote_host(self):
        self.assertFalse(profiles.needs_host_detection(
            profiles.KVM, "QEMU", "qemu+ssh://compute-2/system"))
        self.assertTrue(profiles.needs_host_detection(
            profiles.KVM, "QEMU", "qemu+ssh://localhost/system"))


class TestSupportMatrixColumns(testtools.TestCase):
    """The generated support matrix has a column per profile, read from
    the profiles' declarations."""

    def test_xen_and_parallels_columns(self):
        from virtdrivers.libvirt import driver

        columns = driver.LibvirtDriver.support_matrix_columns()
        self.assertEqual({"libvirt-%s" % name for name in profiles.names()},
                         set(columns))
        ct, vm = columns["libvirt-parallels-ct"], columns["libvirt-parallels-vm"]
        self.assertFalse(ct.supports("pause"))
        self.assertTrue(vm.supports("pause"))
        self.assertFalse(columns["libvirt-xen-pv"].supports("console-output"))
        for column in columns.values():
            for op in ("resize", "rebuild", "evacuate"):
                self.assertTrue(column.supports(op), op)
            self.assertTrue(column["supports_evacuate"])
            self.assertTrue(column["supports_migrate_to_same_host"])
