/*
 * layout.c - choosing and correcting per-version layouts (see layout.h).
 */
#include "layout.h"

#include <stdio.h>
#include <string.h>

#include "../base/errors.h"

#define LAYOUT_ROWS
#include "layouts_gen.h"

#define N_ROWS (sizeof(layout_rows) / sizeof(layout_rows[0]))

const struct py_layout *layout_find(int major, int minor, bool free_threaded)
{
	size_t i;

	for (i = 0; i < N_ROWS; i++) {
		const struct py_layout *row = &layout_rows[i];

		if (row->major == major && row->minor == minor &&
		    row->free_threaded == (free_threaded ? 1 : 0))
			return row;
	}
	return NULL;
}

/* Append "X.Y" or "-X.Y" for the end of a run of consecutive versions. */
static size_t append_version(char *buf, size_t size, size_t used, const char *sep,
			     const struct py_layout *row)
{
	int n;

	if (used >= size)
		return used;
	n = snprintf(buf + used, size - used, "%s%d.%d%s", sep, row->major, row->minor,
		     row->free_threaded ? "t" : "");
	return n < 0 ? used : used + (size_t)n;
}

void layout_supported(char *buf, size_t size)
{
	size_t used = 0, i;
	int ft;

	buf[0] = '\0';
	for (ft = 0; ft <= 1; ft++) {
		const struct py_layout *run_start = NULL, *prev = NULL;

		/* Rows are sorted by version; print runs of minors as ranges. */
		for (i = 0; i <= N_ROWS; i++) {
			const struct py_layout *row = i < N_ROWS ? &layout_rows[i] : NULL;

			if (row && row->free_threaded != ft)
				continue;
			if (row && prev && row->major == prev->major && row->minor == prev->minor + 1) {
				prev = row;
				continue;
			}
			if (run_start) {
				used = append_version(buf, size, used, used ? ", " : "", run_start);
				if (prev != run_start)
					used = append_version(buf, size, used, "-", prev);
			}
			run_start = prev = row;
		}
	}
}

static uint64_t read_u64(const uint8_t *block, uint32_t at)
{
	uint64_t value;

	memcpy(&value, block + at, sizeof(value));
	return value;
}

int layout_apply_debug_offsets(struct py_layout *layout, const uint8_t *block,
			       size_t len, uint32_t expect_version_hex)
{
	uint64_t version, free_threaded;

	if (layout->debug_offsets_size == 0)
		return 0;
	if (len < layout->debug_offsets_size || memcmp(block, "xdebugpy", 8) != 0)
		return PP_EBADDATA;
	version = read_u64(block, 8);
	free_threaded = read_u64(block, 16);
	if (((version >> 24) & 0xff) != layout->major || ((version >> 16) & 0xff) != layout->minor)
		return PP_EBADDATA;
	if (expect_version_hex && version != expect_version_hex)
		return PP_EBADDATA;
	if (free_threaded != layout->free_threaded)
		return PP_EBADDATA;
	/* Copy each value the block has for a member the row has: the block
	 * says 0 for members a build lacks (co_tlbc outside free-threaded
	 * builds), and 0 is also a real offset.  An absurd value is a misread. */
#define APPLY(name) \
	if (layout->dbg_##name != LAYOUT_ABSENT && layout->name != LAYOUT_ABSENT) { \
		uint64_t value_; \
		if (layout->dbg_##name + 8 > len) \
			return PP_EBADDATA; \
		value_ = read_u64(block, layout->dbg_##name); \
		if (value_ > 16u * 1024 * 1024) \
			return PP_EBADDATA; \
		layout->name = (uint32_t)value_; \
	}
	DEBUG_OFFSET_FIELDS(APPLY)
#undef APPLY
	/* The block has no datastack_top: it has always followed the chunk. */
	layout->ts_datastack_top = layout->ts_datastack_chunk + 8;
	/* Members must lie inside their structures. */
	if (layout->ts_native_thread_id >= layout->ts_size ||
	    layout->ts_current_frame >= layout->ts_size ||
	    layout->iframe_instr >= layout->iframe_size ||
	    layout->code_adaptive > layout->code_size ||
	    layout->interp_threads_head >= layout->interp_size)
		return PP_EBADDATA;
	return 0;
}

static size_t span_of(const uint32_t *offsets, size_t n, size_t width)
{
	size_t i, span = 0;

	for (i = 0; i < n; i++)
		if (offsets[i] != LAYOUT_ABSENT && offsets[i] + width > span)
			span = offsets[i] + width;
	return span;
}

size_t layout_tstate_span(const struct py_layout *L)
{
	const uint32_t offsets[] = {
		L->ts_next, L->ts_interp, L->ts_frame, L->ts_cframe, L->ts_current_frame,
		L->ts_base_frame, L->ts_thread_id, L->ts_native_thread_id,
		L->ts_datastack_chunk, L->ts_datastack_top, L->ts_status, L->ts_holds_gil,
		L->ts_state, L->ts_curexc_type, L->ts_current_exception, L->ts_exc_type,
		L->ts_exc_info,
	};
	return span_of(offsets, sizeof(offsets) / sizeof(offsets[0]), 8);
}

size_t layout_code_span(const struct py_layout *L)
{
	const uint32_t offsets[] = {
		L->obj_type, L->obj_size, L->code_flags, L->code_firstlineno, L->code_filename,
		L->code_name,
		L->code_qualname, L->code_code, L->code_linetable, L->code_tlbc,
		L->code_framesize, L->code_nlocalsplus, L->code_stacksize, L->code_zombieframe,
		L->code_firsttraceable,
	};
	return span_of(offsets, sizeof(offsets) / sizeof(offsets[0]), 8);
}

size_t layout_frame_span(const struct py_layout *L)
{
	if (L->rule_lasti == LASTI_POINTER) {
		const uint32_t offsets[] = {
			L->iframe_code, L->iframe_previous, L->iframe_instr, L->iframe_owner,
			L->iframe_is_entry, L->iframe_tlbc_index, L->iframe_stacktop,
		};
		return span_of(offsets, sizeof(offsets) / sizeof(offsets[0]), 8);
	} else {
		const uint32_t offsets[] = { L->frame_back, L->frame_code, L->frame_lasti,
					     L->frame_executing, L->frame_localsplus };
		return span_of(offsets, sizeof(offsets) / sizeof(offsets[0]), 8);
	}
}

uint64_t layout_stackref_mask(const struct py_layout *layout)
{
	return layout->stackref_tag_bits != LAYOUT_ABSENT ? layout->stackref_tag_bits : 0;
}
