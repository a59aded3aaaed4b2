/* commands.h - the entry point of every subcommand in the dispatch table. */
#ifndef SIGNET_COMMANDS_H
#define SIGNET_COMMANDS_H

int cmd_dns(int argc, char **argv);

#endif
