// SPDX-License-Identifier: GPL-2.0
/*
 * lprs-asuser UID CMD [ARG...]: run CMD as user and group UID, without
 * supplementary groups or capabilities (the guest has no su).
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uid_t id;

	if (argc < 3) {
		fprintf(stderr, "usage: %s UID CMD [ARG...]\n", argv[0]);
		return 2;
	}
	id = atoi(argv[1]);
	if (setgroups(0, NULL) || setgid(id) || setuid(id)) {
		perror("lprs-asuser");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
