"""Memory, vCPUs and the guest CPU (mode, model, topology)."""

from virtdrivers import exception

_TOPOLOGY = ("sockets", "cores", "threads")


def configure(ctx, domain):
    """Size the guest from its flavor and describe its CPU.

    :raises InvalidImage: for a topology that does not make the flavor's
        vCPU count.
    """
    kib = ctx.flavor.memory_mb * 1024
    domain.memory = kib
    domain.current_memory = kib
    domain.vcpu = ctx.flavor.vcpus
    mode = cpu_mode(ctx)
    # mode 'none' still gets a <cpu> element: it carries the topology.
    if mode != "none":
        domain.cpu.mode = mode
    if mode == "custom":
        domain.cpu.match = "exact"
        domain.cpu.model = ctx.settings.cpu_models[0]
    domain.cpu.sockets, domain.cpu.cores, domain.cpu.threads = topology(ctx)


def cpu_mode(ctx):
    """``[libvirt] cpu_mode``, else the profile's default.

    ``build_domain`` has checked the option against the profile.
    """
    return ctx.settings.cpu_mode or ctx.profile.default_cpu_mode


def requested_topology(ctx):
    """``{name: (value, source)}`` of the topology asked for.

    The image's ``hw_cpu_*`` wins over the flavor's ``hw:cpu_*``.

    :raises InvalidInput: for a flavor extra spec that is no integer.
    """
    requested = {}
    for name in _TOPOLOGY:
        spec = "hw:cpu_%s" % name
        value = ctx.flavor.extra_specs.get(spec)
        if value is not None:
            try:
                requested[name] = (int(value), "flavor extra spec %s" % spec)
            except (TypeError, ValueError):
                raise exception.InvalidInput(
                    reason="flavor %s: extra spec %s=%r is not an integer"
                    % (ctx.flavor.name, spec, value))
        value = ctx.props.get("hw_cpu_%s" % name)
        if value is not None:
            requested[name] = (value, "image property hw_cpu_%s" % name)
    return requested


def topology(ctx):
    """``(sockets, cores, threads)`` whose product is the vCPU count.

    Unset numbers are filled in Nova's way: threads 1, then whichever of
    sockets and cores is missing takes the rest (sockets when both are).

    :raises InvalidImage: when the numbers asked for cannot make it.
    """
    vcpus = ctx.flavor.vcpus
    requested = requested_topology(ctx)
    sockets, cores, threads = (requested.get(n, (None,))[0] for n in _TOPOLOGY)
    threads = threads or 1
    if sockets and not cores:
        cores = vcpus // (sockets * threads)
    elif cores and not sockets:
        sockets = vcpus // (cores * threads)
    elif not sockets:
        sockets, cores = vcpus // threads, 1
    if sockets * cores * threads == vcpus and min(sockets, cores) > 0:
        return sockets, cores, threads
    asked = ", ".join("%s=%s" % (source, value)
                      for value, source in requested.values())
    raise exception.InvalidImage(
        image_id=ctx.image_meta.id or "(no id)",
        reason="CPU topology %s cannot make the %d vCPUs of flavor %s "
               "(sockets x cores x threads must equal vCPUs)"
               % (asked, vcpus, ctx.flavor.name))
