debug.singlestep = off
debug.hwbp = 0x9000, 0x2000/w/4, @debug_watch/rw/8
debug.intercept = db,bp
