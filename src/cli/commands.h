/* commands.h - the entry point of every subcommand in the dispatch table. */
#ifndef SIGNET_COMMANDS_H
#define SIGNET_COMMANDS_H

int cmd_age(int argc, char **argv);
int cmd_age_keygen(int argc, char **argv);
int cmd_dns(int argc, char **argv);
int cmd_sops(int argc, char **argv);

int cmd_dam(int argc, char **argv);
int cmd_disk(int argc, char **argv);
int cmd_domain(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_esp(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_initrd(int argc, char **argv);
int cmd_sb_enroll(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_oci(int argc, char **argv);
int cmd_oci_runtime_config(int argc, char **argv);
int cmd_oci_pull(int argc, char **argv); /* cmd_oci_registry.c */
int cmd_oci_push(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_verity(int argc, char **argv);
int cmd_sb(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_tpm(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_uki(int argc, char **argv);
int cmd_ca(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_host_provision(int argc, char **argv);

#endif
