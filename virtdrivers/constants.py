"""Names shared by drivers and images: vm modes, hypervisor types, arches.

Values are Nova's (``nova.objects.fields``), because they arrive in image
properties written for Nova.
"""

# vm_mode (image property ``vm_mode`` / ``hw_vm_mode``)
VM_MODE_HVM = 'hvm'    # fully virtualised
VM_MODE_XEN = 'xen'    # Xen paravirtualised
VM_MODE_EXE = 'exe'    # container (an executable, not a kernel)
VM_MODE_UML = 'uml'
VM_MODES = (VM_MODE_HVM, VM_MODE_XEN, VM_MODE_EXE, VM_MODE_UML)

# Aliases older images carry for vm_mode.
VM_MODE_ALIASES = {'pv': VM_MODE_XEN, 'hv': VM_MODE_HVM, 'baremetal': VM_MODE_HVM}

# hypervisor types (image ``hypervisor_type`` / ``img_hv_type``)
HV_KVM = 'kvm'
HV_QEMU = 'qemu'
HV_XEN = 'xen'
HV_PARALLELS = 'parallels'
HV_VZ = 'vz'
HV_FAKE = 'fake'
HV_POWERVM = 'phyp'
HYPERVISOR_TYPES = (HV_KVM, HV_QEMU, HV_XEN, HV_PARALLELS, HV_VZ, HV_FAKE,
                    HV_POWERVM)

# architectures
ARCH_X86_64 = 'x86_64'
ARCH_I686 = 'i686'
ARCH_AARCH64 = 'aarch64'
ARCH_PPC64LE = 'ppc64le'
ARCH_PPC64 = 'ppc64'


def canonical_vm_mode(value):
    """Return Nova's canonical vm_mode for *value*, or None when unset.

    :raises ValueError: for a value that is no vm_mode.
    """
    if value in (None, ''):
        return None
    value = str(value).lower()
    value = VM_MODE_ALIASES.get(value, value)
    if value not in VM_MODES:
        raise ValueError('unknown vm_mode %r (choices: %s)'
                         % (value, ', '.join(VM_MODES)))
    return value
