/* SPDX-License-Identifier: MIT */
/* Actions of the probe guest (launcher/guests/probe.S), chosen by its parameter 0. Shared with probe.c. */
#ifndef EXITSCOPE_LAUNCHER_PROBE_ABI_H
#define EXITSCOPE_LAUNCHER_PROBE_ABI_H

#define PROBE_HLT 1	 /* HLT with interrupts off */
#define PROBE_PAUSE 2	 /* PAUSE arg1 times */
#define PROBE_WRITE 3	 /* write a byte to address arg1 */
#define PROBE_RDMSR 4	 /* RDMSR arg1 */
#define PROBE_WRMSR 5	 /* WRMSR arg1 = arg3:arg2 */
#define PROBE_CPUID 6	 /* CPUID leaf arg1 subleaf arg2, result reported on XS_PORT_RESULT */
#define PROBE_INT3 7	 /* INT3 */
#define PROBE_TF 8	 /* set TF for one instruction */
#define PROBE_EXEC 9	 /* call probe_target */
#define PROBE_READ 10	 /* read a byte from address arg1 */
#define PROBE_STI_HLT 11 /* STI; HLT; a busy loop; CLI */

#endif
