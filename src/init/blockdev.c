#include "blockdev.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

int blockdev_find(int (*match)(const char *dev, void *arg), void *arg, char *dev, size_t cap)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *e;
	char node[300];
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, "loop", 4) == 0 ||
		    strncmp(e->d_name, "dm-", 3) == 0 || strncmp(e->d_name, "ram", 3) == 0)
			continue;
		snprintf(node, sizeof(node), "/dev/%.200s", e->d_name);
		if (match(node, arg) == 1) {
			snprintf(dev, cap, "%s", node);
			found = 1;
		}
	}
	closedir(d);
	return found;
}
