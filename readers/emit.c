/*
 * emit.c - settled walks made sample frames (see emit.h).
 */
#include "emit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "linetable.h"

void emitter_init(struct emitter *emitter)
{
	memset(emitter, 0, sizeof(*emitter));
	codeset_init(&emitter->codes);
}

void emitter_release(struct emitter *emitter)
{
	codeset_release(&emitter->codes);
	free(emitter->sources);
	memset(emitter, 0, sizeof(*emitter));
}

void emitter_new_sample(struct emitter *emitter)
{
	codeset_clear(&emitter->codes);
	emitter->resolved = 0;
}

void emitter_note_codes(struct emitter *emitter, const struct emit_walk *walk)
{
	/* Frames that matched the last sample's are written as then. */
	for (size_t i = 0; i < walk->n; i++)
		if (!stackmemo_at(walk->memo, walk->n - 1 - i, &walk->frames[i]))
			codeset_add(&emitter->codes, walk->frames[i].code);
}

int emitter_resolve(struct emitter *emitter, struct code_cache *codes, struct snapshot *snap)
{
	size_t from = emitter->resolved;

	emitter->resolved = emitter->codes.count;
	return codecache_resolve(codes, snap, emitter->codes.addrs + from,
				 emitter->codes.count - from, emitter->codes.infos + from);
}

/* One frame's name, file and line; PP_ETORN when its code is unknown. */
static int make_frame(struct emitter *emitter, struct code_cache *codes,
		      const struct raw_frame *raw, struct sample_frame *frame)
{
	const struct code_info *info = emitter->codes.infos[codeset_add(&emitter->codes, raw->code)];
	int64_t offset = 0;
	int err;

	if (!info)
		return PP_ETORN;
	err = codecache_offset(codes, info, raw->position, raw->tlbc_index, &offset);
	if (err)
		return pp_torn_unless_final(err);
	frame->name = info->name;
	frame->file = info->file;
	frame->short_file = info->short_file;
	frame->first_line = info->first_line;
	frame->line = linetable_line(&info->lines, offset);
	return 0;
}

/*
 * Which frames the evaluation loop was entered for, as a native stack
 * shows them: every frame up to 3.10; from 3.11 a frame whose caller did
 * not call it inline (the oldest, and those above a C call).
 */
void emitter_note_frame(struct emitter *emitter, const struct raw_frame *frame)
{
	codeset_add(&emitter->codes, frame->code);
}

int emitter_push_frame(struct emitter *emitter, struct code_cache *codes,
		       const struct raw_frame *raw, struct sample *sample)
{
	struct sample_frame frame = { 0 };
	int err = make_frame(emitter, codes, raw, &frame);

	if (!err)
		sample_push_frame(sample, &frame);
	return err;
}

static void mark_entries(const struct emit_walk *walk, struct sample_frame *frames)
{
	for (size_t i = 0; i < walk->n; i++) {
		bool entry = walk->frame_objects || i + 1 == walk->n ||
			     !(walk->frames[i + 1].flags & RAW_INLINE_CALLEE);

		frames[i].flags = entry ? SAMPLE_FRAME_EVAL_ENTRY : 0;
	}
}

static void push_mark(struct sample *sample, uint32_t name)
{
	const struct sample_frame mark = { .name = name, .flags = SAMPLE_FRAME_MARK };

	sample_push_innermost(sample, &mark);
}

int emitter_thread(struct emitter *emitter, struct code_cache *codes, const struct emit_walk *walk,
		   const struct py_thread *thread, size_t source, bool keep_empty,
		   struct sample *sample)
{
	struct sample_thread *added = sample_add_thread(sample, thread->tid);
	size_t i, first = sample->n_frames;

	added->flags = thread->flags;
	added->name = thread->name;
	for (i = 0; i < walk->n; i++) {
		const struct memo_frame *memo = stackmemo_at(walk->memo, walk->n - 1 - i,
							     &walk->frames[i]);
		struct sample_frame frame = { 0 };
		int err;

		if (memo) {
			sample_push_frame(sample, &memo->out);
			continue;
		}
		err = make_frame(emitter, codes, &walk->frames[i], &frame);
		if (err) {
			sample_drop_thread(sample);
			return err;
		}
		sample_push_frame(sample, &frame);
	}
	stackmemo_store(walk->memo, walk->frames, sample->frames + first, walk->n);
	if (walk->mark_entries)
		mark_entries(walk, sample->frames + first);
	/* What the thread does above its Python frames, as a mark frame. */
	if ((thread->flags & SAMPLE_THREAD_GC) && emitter->gc_mark)
		push_mark(sample, emitter->gc_mark);
	if ((thread->flags & SAMPLE_THREAD_GIL_WAIT) && emitter->gil_wait_mark)
		push_mark(sample, emitter->gil_wait_mark);
	if (added->n_frames == 0 && !keep_empty) {
		sample_drop_thread(sample);
		return 0;
	}
	XGROW(emitter->sources, emitter->cap_sources, sample->n_threads);
	emitter->sources[sample->n_threads - 1] = source;
	return 0;
}

size_t emitter_source(const struct emitter *emitter, const struct sample *sample, size_t i)
{
	if (i >= sample->n_threads || i >= emitter->cap_sources)
		return SIZE_MAX;
	return emitter->sources[i];
}
