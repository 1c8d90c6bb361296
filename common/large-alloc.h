/*
 * large-alloc.h - allocation of arrays of many megabytes (the trainer's
 * epoch logits, codes and labels; the analyzers' per-epoch codes, data map
 * and estimators' rows) on transparent huge pages. Faulting such an array in 4 KiB at a time cost about a fifth of the
 * CPU of `taskmap analyze` on a 1000-task run (bench/RESULTS.md, "Performance:
 * delicious"); on 2 MiB pages it is 512 times fewer faults. Linux offers the
 * pages on request (madvise mode) or always; elsewhere, or when the request is
 * refused, this is plain malloc. Not part of the public API.
 */
#ifndef TM_COMMON_LARGE_ALLOC_H
#define TM_COMMON_LARGE_ALLOC_H

#include <stdlib.h>

#include <sys/mman.h>

#define LARGE_ALLOC_PAGE ((size_t)2 << 20) /* a transparent huge page on x86-64 and arm64 */

/*
 * large_alloc - @bytes of uninitialised memory (1 byte when @bytes is 0),
 * aligned to and padded to whole huge pages from 2 huge pages up; free with
 * free(). NULL when out of memory.
 */
static inline void *large_alloc(size_t bytes)
{
#ifdef MADV_HUGEPAGE
	if (bytes >= 2 * LARGE_ALLOC_PAGE) {
		size_t padded = (bytes + LARGE_ALLOC_PAGE - 1) & ~(LARGE_ALLOC_PAGE - 1);
		void *memory = NULL;

		if (padded < bytes || posix_memalign(&memory, LARGE_ALLOC_PAGE, padded) != 0)
			return NULL;
		/* advice only: refused (no THP in this kernel) it is ordinary memory */
		(void)madvise(memory, padded, MADV_HUGEPAGE);
		return memory;
	}
#endif
	return malloc(bytes ? bytes : 1);
}

#endif
