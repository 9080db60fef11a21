/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lprs_direct_stub: where the fentry site of a function on the direct path
 * calls (c-shim/direct.c). The call pushed the address after the fentry
 * site, the key of the function's table entry: the stub drops it and jumps
 * to the entry's target, so the new function returns straight to the old
 * function's caller. With no entry, or a zero target, it returns into the
 * function; when an ftrace handler shares the function, ftrace returns
 * here in place of the function, with the address the handler chose on
 * the stack: not a key unless the handler kept the old function.
 *
 * It uses only %r10 and %r11: scratch, and no argument registers at a
 * function's entry. It has no frame and is undefined for the unwinder on
 * purpose: a task preempted between its lookup and its jump has an
 * unreliable stack, so no transition switches it meanwhile.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>
#include "../lprs-direct.h"

	.text
SYM_CODE_START(lprs_direct_stub)
	UNWIND_HINT_UNDEFINED
	ANNOTATE_NOENDBR			/* only called directly */
	movq	(%rsp), %r11
	movabsq	$LPRS_DTAB_MULT, %r10
	imulq	%r11, %r10
	shrq	$(64 - LPRS_DTAB_BITS), %r10
	shlq	$LPRS_DENT_SHIFT, %r10
.Lprobe:
	cmpq	%r11, lprs_dtab(%r10)
	jne	.Lnext
	movq	lprs_dtab+8(%r10), %r10
	testq	%r10, %r10
	jz	.Lreturn
	addq	$8, %rsp
	JMP_NOSPEC r10
.Lnext:
	cmpq	$0, lprs_dtab(%r10)
	je	.Lreturn
	addq	$(1 << LPRS_DENT_SHIFT), %r10
	jmp	.Lprobe
.Lreturn:
	CALL_DEPTH_ACCOUNT			/* ftrace's call here was not counted */
	RET
SYM_CODE_END(lprs_direct_stub)
