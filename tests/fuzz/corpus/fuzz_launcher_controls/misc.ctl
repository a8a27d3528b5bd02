# cpuid and memory
cpuid.0x1.ecx = 0x80000000
cpuid.7.0.ebx = 0
memory.readonly = 0xc0000-0xc0fff
exits.disable = hlt,pause
