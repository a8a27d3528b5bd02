inject = irq:0x20@hlt, nmi@every:10, exc:13:0x18@exit:5, exc:6@period:250us, irq:48@io:0x530
irq.window = on
