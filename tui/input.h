/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's input thread: reads the terminal, decodes keys (tui/keys.h), queues them and wakes the
 * drawing thread by writing one byte to its wake-up pipe. It never touches the screen, so a key is read the
 * moment it arrives whatever the drawing thread is doing.
 */
#ifndef EXITSCOPE_TUI_INPUT_H
#define EXITSCOPE_TUI_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tui_input;

/* Start reading fd (the terminal); wake_fd gets a byte whenever keys are queued or input ends. */
struct tui_input *tui_input_start(int fd, int wake_fd);
/* Keys queued since the last call, oldest first (at most max). */
size_t tui_input_take(struct tui_input *in, int *keys, size_t max);
/* The terminal closed or failed: nobody can type any more. */
bool tui_input_ended(struct tui_input *in);
/* Keys lost because the drawing thread fell more than the queue behind (counted, shown). */
uint64_t tui_input_dropped(struct tui_input *in);
void tui_input_stop(struct tui_input *in);

#endif
