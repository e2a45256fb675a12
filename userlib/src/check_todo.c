// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include "check_internal.h"
#define TODO(name) TLSVIEW_EXPORT int name(const struct tlsview_check_params *params, struct tlsview_check_result *result) \
{ struct check_ctx ctx; int ret = check_begin(&ctx, params, result, 1, 1, 0); if (ret) return ret; return check_skip(&ctx, "not written yet"); }
TODO(tlsview_check_selectors)
TODO(tlsview_check_compat_tls)
