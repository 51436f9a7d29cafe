/*
 * GET /api/v1/service/whoami[?scope=S]: a system checks its credential. Any
 * valid service token is let in, or with ?scope= only one that holds that scope
 * (403 insufficient_scope otherwise, through the same http_guard_scope the
 * scoped routes use); the call is audited like every use of a token. People are
 * refused with 403, as everywhere a route names only ROLE_SERVICE. Answers
 * {name, scopes, agency}; never the token.
 */
#include "auth/auth.h"
#include "http/guard.h"
#include "http/handlers.h"

void h_service_whoami(struct http_req *req, struct http_resp *resp)
{
	const char *scope = http_req_query(req, "scope");
	if (scope && !auth_scope_name(auth_scope_parse(scope, NULL))) {
		http_resp_error(req, resp, 400, "invalid_request",
				json_pack("{s:s, s:s}", "field", "scope", "detail",
					  "one scope: dossiers:write or indicators:read"));
		return;
	}
	struct auth_caller *c = http_guard_scope(req, resp, ROLE_SERVICE, GUARD_DEFAULT, scope);
	if (!c)
		return;
	json_t *scopes = json_array();
	for (unsigned bit = 1; bit && bit <= AUTH_SCOPE_ALL; bit <<= 1)
		if (c->scopes & bit)
			json_array_append_new(scopes, json_string(auth_scope_name(bit)));
	http_resp_json(resp, 200, json_pack("{s:s, s:o, s:s}", "name", c->user.username, "scopes", scopes, "agency",
					    c->user.agency));
}
