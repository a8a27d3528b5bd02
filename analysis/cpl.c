// SPDX-License-Identifier: MIT
#include "analysis/cpl.h"

#define AR_UNUSABLE (1u << 16)

int xs_guest_cpl(const struct xs_exit_record *r)
{
	if (!(r->flags & XS_F_GUEST_STATE))
		return -1;
	const struct xs_guest_state *gs = &r->gs;
	if ((gs->valid & XS_GS_CR0) && !(gs->cr0 & 1))
		return 0; /* real mode */
	if ((gs->valid & XS_GS_SEG_AR) && !(gs->seg_ar[XS_SEG_SS] & AR_UNUSABLE))
		return (int)((gs->seg_ar[XS_SEG_SS] >> 5) & 3);
	if (gs->valid & XS_GS_SEG_SEL)
		return gs->seg_sel[XS_SEG_CS] & 3;
	return -1;
}
