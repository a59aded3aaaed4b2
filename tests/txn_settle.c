/* txn_settle DIR: settles DIR as the next transaction on it would first
 * (txn.h's sg_txn_settle: a committed journal applied, uncommitted
 * staging dropped), so that the crash suites look at a directory a killed
 * build left as the next build there finds it. */
#include <stdio.h>

#include "err.h"
#include "txn.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: txn_settle DIR\n");
		return 2;
	}
	if (sg_txn_settle(argv[1]) < 0) {
		fprintf(stderr, "txn_settle: %s\n", sg_errmsg());
		return 1;
	}
	return 0;
}
