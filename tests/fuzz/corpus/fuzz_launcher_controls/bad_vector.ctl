inject = irq:0x10@hlt
