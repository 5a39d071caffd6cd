/* racknet ntp: chronyd's configuration, rendered from IPAM. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

/* Where chronyd keeps its files unless told: beside racknet run's state
 * (/run/racknet), in a folder of its own that chronyd's user owns. */
#define NTP_STATE_DIR "/run/racknet/chrony"

static int ntp_config(struct ipam *db, const struct cli_verb *v,
		      struct cli_args *a)
{
	const char *dir = cli_opt(v, a, "state-dir");
	struct ipam_chrony_opts o = { .state_dir = dir ? dir : NTP_STATE_DIR };
	char *text = NULL;
	int r;

	r = ipam_chrony_conf(db, &o, &text);
	if (r < 0)
		return cli_result(db, r);
	if (a->json) {
		json_t *j = json_pack("{ssss}", "state_dir", o.state_dir,
				      "chrony_conf", text);

		free(text);
		if (!j) {
			fprintf(stderr, "racknet: out of memory\n");
			return EXIT_REFUSED;
		}
		return cli_print(db, j, true);
	}
	fputs(text, stdout);
	free(text);
	if (fflush(stdout) == EOF) {
		perror("racknet: stdout");
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

const struct cli_object cli_ntp = {
	"ntp", "chronyd's configuration from IPAM",
	(const struct cli_verb[]){
		{ "config", "[--state-dir DIR] [--json]", "print the chrony.conf "
		  "racknet runs chronyd with: upstream servers (setting "
		  "ntp-servers), an allow line per managed subnet, local "
		  "stratum 10; chronyd's files in DIR (default " NTP_STATE_DIR
		  ")", 0, 0, { "state-dir=" }, ntp_config },
		{ 0 },
	},
};
