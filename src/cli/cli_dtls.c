/* The DTLS certificate of a call command (cli_dtls.h). */
#include "meshcall/cli/cli_dtls.h"

#include "meshcall/base/log.h"

#define MC_LOG_CATEGORY (&mc_log_main)

McDtlsCert *
mc_cli_dtls_certificate (const char *state_dir, GError **error)
{
  g_autofree char *dir = NULL;
  McDtlsCertReport report;
  McDtlsCert *cert;

  if (state_dir == NULL)
    dir = mc_dtls_cert_default_dir ();
  else if (!g_str_equal (state_dir, MC_CLI_STATE_DIR_NONE))
    dir = g_strdup (state_dir);
  cert = mc_dtls_cert_load (dir, g_get_real_time () / G_USEC_PER_SEC, &report, error);
  if (report.warning && report.source == MC_DTLS_CERT_IN_MEMORY)
    mc_log_user ("warning: %s (--state-dir or [call] state-dir names another directory)", report.warning);
  else if (report.warning)
    mc_log_user ("warning: %s", report.warning);
  if (report.note)
    MC_INFO ("%s", report.note);
  if (cert)
    MC_INFO ("DTLS certificate %s (%s%s%s)", mc_dtls_cert_get_fingerprint (cert),
             mc_dtls_cert_source_to_string (report.source), report.path ? " " : "", report.path ? report.path : "");
  mc_dtls_cert_report_clear (&report);
  return cert;
}
