/*
 * floor: the least a FastCGI responder can do for a webhook, as a
 * benchmark reference: libfcgi's accept loop, the body read whole and
 * dropped, "202 Accepted" answered.  No signature check, no spool, no
 * log.  wh-receive's rows are measured against it behind the same
 * nginx, with the same number of processes.
 */
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

int
main(void)
{
	FCGX_Request	 req;
	char		 buf[16384];
	const char	*cl;
	long		 left;
	int		 n;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		cl = FCGX_GetParam("CONTENT_LENGTH", req.envp);
		left = cl != NULL ? atol(cl) : 0;
		while (left > 0 && (n = FCGX_GetStr(buf, left < (long)sizeof(buf) ?
		    (int)left : (int)sizeof(buf), req.in)) > 0)
			left -= n;
		FCGX_PutS("Status: 202 Accepted\r\n"
		    "Content-Type: application/json\r\n\r\n{}\n", req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
