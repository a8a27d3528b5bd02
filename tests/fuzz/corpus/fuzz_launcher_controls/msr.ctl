msr.exit_read = 0x174,0xc0000080-0xc0000082
msr.exit_write = 0x174
msr.exit_unknown = on
