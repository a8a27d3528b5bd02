# the vmx backend's keys
vmx.rdtsc_exiting = on
vmx.external_interrupt_exiting = yes
vmx.exception_bitmap = #gp, pf, 3
vmx.io_bitmap = 0x60-0x64,0x3f8
vmx.msr_bitmap.read = 0x174-0x176
vmx.msr_bitmap.write = 0xc0000080
vmx.cr0_mask = 0x8
vmx.cr4_shadow = 0x2000
vmx.cr3_targets = 0x90000,0x1000
vmx.preemption_timer = 1000
vmx.preemption_timer = off
