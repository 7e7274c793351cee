"""What a user sees and types into: serial console, graphics, video, input.

The serial port 0 either logs to ``ctx.console_log_path`` (``console-output``
reads that file) through a pty with a ``<log>`` (QEMU) or as a file-backed
port (Xen HVM), or, with the interactive serial console enabled, listens on
the TCP ports the driver allocated. ``<console>`` is the same port seen as
the guest's console. A profile without serial ports may still have a
console of its own (Xen PV's, served by xenconsoled).
"""

from virtdrivers import exception
from virtdrivers.libvirt import xml as vxml

_MIB = 1024  # KiB per MiB: libvirt's video sizes are in KiB


def configure(ctx, domain):
    """Add serial ports and console, graphics, video and pointer."""
    profile = ctx.profile
    if profile.serial_console:
        _serials(ctx, domain)
    elif profile.console_target_type:
        domain.devices.append(vxml.Console.new(
            type="pty", target_type=profile.console_target_type,
            target_port=0))
    if _graphics(ctx, domain):
        _video(ctx, domain)
        _pointer(ctx, domain)


def _serials(ctx, domain):
    settings = ctx.settings
    if settings.serial_console_enabled:
        if not ctx.serial_ports:
            raise exception.InvalidInput(
                reason="the serial console is enabled but no TCP port was "
                       "allocated for instance %s" % ctx.instance.uuid)
        sources = [dict(type="tcp", source_mode="bind",
                        source_host=settings.serial_console_listen,
                        source_service=str(port), protocol_type="raw")
                   for port in ctx.serial_ports]
    elif ctx.profile.serial_log == "file" and ctx.console_log_path:
        sources = [dict(type="file", source_path=ctx.console_log_path)]
    else:
        sources = [dict(type="pty")]
    for port, source in enumerate(sources):
        serial = vxml.Serial.new(target_port=port, **source)
        if (port == 0 and ctx.console_log_path
                and ctx.profile.serial_log == "log"):
            serial.log_file = ctx.console_log_path
            # append='off' makes virtlogd truncate the log whenever a new
            # QEMU process starts (power on, resume from a managed save, a
            # cold snapshot, rescue): the output from before would be lost.
            serial.log_append = True
        domain.devices.append(serial)
    domain.devices.append(vxml.Console.new(
        target_type=ctx.profile.console_target_type, target_port=0,
        **sources[0]))


def _graphics(ctx, domain):
    """Add the enabled graphics the profile has; return their types."""
    settings = ctx.settings
    listen = {"vnc": settings.vnc_listen, "spice": settings.spice_listen}
    kinds = [k for k in settings.graphics_types
             if k in ctx.profile.graphics_types]
    for kind in kinds:
        graphics = vxml.Graphics.new(type=kind, autoport=True,
                                     listen=listen[kind])
        graphics.listens.append(
            vxml.GraphicsListen.new(type="address", address=listen[kind]))
        domain.devices.append(graphics)
    if ("spice" in kinds and settings.spice_agent_enabled
            and ctx.profile.spice_agent_channel):
        domain.devices.append(vxml.Channel.new(
            type="spicevmc", target_type="virtio",
            target_name=ctx.profile.spice_agent_channel))
    return kinds


def _video(ctx, domain):
    model = ctx.props.get("hw_video_model") or ctx.profile.default_video_model
    if model is None:
        return
    video = vxml.Video.new(model_type=model)
    vram_mb = ctx.props.get("hw_video_ram")
    if vram_mb:
        video.vram = video_ram_kib(ctx, vram_mb)
    domain.devices.append(video)


def video_ram_kib(ctx, vram_mb):
    """The image's ``hw_video_ram`` (MiB) in KiB, within the flavor's
    ``hw_video:ram_max_mb``.

    :raises InvalidImage: when the flavor allows less (or sets no maximum).
    """
    max_mb = int(ctx.flavor.extra_specs.get("hw_video:ram_max_mb", 0))
    if vram_mb > max_mb:
        raise exception.InvalidImage(
            image_id=ctx.image_meta.id or "(no id)",
            reason="image property hw_video_ram=%s exceeds the %s MiB flavor "
                   "%s allows (extra spec hw_video:ram_max_mb)"
                   % (vram_mb, max_mb, ctx.flavor.name))
    return vram_mb * _MIB


def _pointer(ctx, domain):
    model = (ctx.props.get("hw_pointer_model") or ctx.settings.pointer_model
             or ctx.profile.default_pointer_model)
    # A USB tablet gives absolute coordinates, so the VNC/SPICE cursor and
    # the guest's agree; ps2mouse means the built-in PS/2 mouse only.
    if model == "usbtablet" and ctx.profile.input_bus:
        domain.devices.append(
            vxml.Input.new(type="tablet", bus=ctx.profile.input_bus))
