# shellcheck shell=bash
# Bochs with VT-x, headless: the one configuration the bare-metal tests (run-bochs.sh) and the Linux module's
# test host (tests/kmod/lib/boot-bochs.sh) share (../shared/notes/testbeds.md section 3). Source it, then:
#
#   bochs_config DIR MODEL MEGS IPS SERIAL [LINE...]
#       write DIR/bochsrc (CPU MODEL, MEGS of RAM, IPS emulated instructions per second, COM1 into the file
#       SERIAL, Bochs' log into bochs.log, no display/sound/mouse, a fatal panic) with the caller's LINEs
#       (disk, boot device, ...) and DIR/dbg.rc, which lets the debugger-enabled build run to the end
#   (cd DIR && [WRAPPER...] "${bochs_cmd[@]}" </dev/null >OUT)
#       run it; with & the job's pid is bochs-bin's own (env execs it)

bochs_cmd=(env SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy bochs-bin -q -f bochsrc -rc dbg.rc)

bochs_config() {
	local dir=$1 model=$2 megs=$3 ips=$4 serial=$5
	shift 5
	{
		cat <<RC
megs: $megs
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
cpu: model=$model, count=1, ips=$ips, reset_on_triple_fault=0
clock: sync=none, time0=1
display_library: sdl2
com1: enabled=1, mode=file, dev=$serial
log: bochs.log
panic: action=fatal
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
mouse: enabled=0
RC
		if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi
	} >"$dir/bochsrc"
	printf 'continue\nquit\n' >"$dir/dbg.rc"
}
