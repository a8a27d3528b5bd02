# cpuid WWWWWWWWWWWWW¥
debug.hwbp = 0x4500, 06
vmx.msr_bitmap.write =1, 0- 0, 000,00, 0x100#.hwbp = d deb0x9000, 0WWGWWWW 000, 0x200# d deb 0x9000, 0x20 0x100#.hwbp = d deb0x9000, 0WWGWWWW 000, 0x200# d dWW¥
debug.hwbp = 0x4500, 06
vmx.msr_bitmap.write =1, 0- 0, 000, 0x100#.hwbp = d deb0x9000, 0WWGWWWW 000, 0x200# d deb 0x9000, 0x20 cpeb 0x9000, 0x20 cp