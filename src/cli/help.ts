// The help texts of `sockguard` and its commands. Kept next to each other so the flags read the
// same everywhere; `docs/cli.md` says the same at more length.

/** `sockguard --help`. */
export const MAIN_HELP = `Usage: sockguard <command> [options]

Mint and check JWTs for sockguard during development.

Commands:
  token              Mint a signed token (prints the token alone to stdout)
  verify <token>     Verify a token as a sockguard verifier would (- reads stdin)

Options:
  -h, --help         Show help (also: sockguard <command> --help)
  --version          Print the version

Exit codes: 0 ok, 1 internal error, 2 usage error, 10 and up one per error code
(sockguard verify --help lists them).
`

/** `sockguard token --help`. */
export const TOKEN_HELP = `Usage: sockguard token [options]

Mint a signed JWT for development. The token alone goes to stdout, so
  TOKEN=$(sockguard token --secret-env JWT_SECRET --sub alice --scope "chat admin")
works. Without a key option, an ES256 key pair is generated and its public key is
printed to stderr (PEM and JWK with its kid) for the verifier's configuration.

Key (at most one):
  --secret <s>         HMAC secret (UTF-8); at least 32 bytes for HS256, 48 for HS384,
                       64 for HS512. Visible in the process list: prefer --secret-env
  --secret-env <NAME>  Read the HMAC secret from the environment variable NAME
  --key <file>         Private key file: PEM (PKCS#8, PKCS#1, SEC1) or JWK JSON

Header:
  --alg <alg>          HS256|HS384|HS512 (secret), RS*|PS*|ES*|EdDSA (key). Default:
                       HS256 with a secret, from the key type with --key, ES256 when
                       a key is generated (--alg RS256 or EdDSA generates that kind)
  --kid <kid>          Key id header (default for a generated key: its JWK thumbprint)
  --typ <typ>          typ header (default JWT), e.g. at+jwt

Claims (iat and exp are always set):
  --sub <sub>          Subject (default dev-user)
  --scope <scopes>     scope claim, space-separated; repeatable ("chat admin")
  --ttl <duration>     Lifetime: seconds, or 90s, 5m, 2h, 1d (default 5m)
  --nbf <duration>     Not valid before now + duration (default: no nbf)
  --aud <aud>          Audience; repeatable (several give an array)
  --iss <iss>          Issuer
  --jti <id>           Token id (default a random UUID)
  --claim <k=v>        Any other claim; repeatable. v is parsed as JSON when it
                       parses (--claim admin=true --claim 'roles=["a","b"]'), else a string

  -h, --help           Show this help
`

/** `sockguard verify --help`. */
export const VERIFY_HELP = `Usage: sockguard verify [options] <token>
       sockguard verify [options] -          (read the token from stdin)

Verify a token with the checks of a sockguard verifier. On success, print
{ header, claims, expiresAt } as JSON to stdout. On failure, print the error code and
what to fix to stderr (never the token) and exit with the code's exit status.

Key (exactly one):
  --secret <s>            HMAC secret (UTF-8). Visible in the process list: prefer
  --secret-env <NAME>     reading it from the environment variable NAME
  --public-key <file>     Public key: PEM (SPKI, PKCS#1, certificate) or JWK JSON
  --jwks <file>           A local JWK set { "keys": [...] }
  --jwks-uri <url>        A remote JWK set (https; http only for loopback)
  --issuer-url <url>      OpenID Connect discovery; also checks iss against it

Policy:
  --alg <algs>            Accepted algorithms; repeatable or comma-separated. Required,
                          except: HS256 with a secret (a note says so), and a JWK that
                          pins its own alg
  --iss <iss>             Accepted issuer; repeatable
  --aud <aud>             Accepted audience; repeatable
  --sub <sub>             Required subject
  --typ <typ>             Required typ header, e.g. at+jwt
  --require <claim>       A claim that must be present; repeatable
  --clock-tolerance <d>   Leeway for exp, nbf and iat: seconds or 30s, 1m (at most 60 s)
  --max-age <d>           Maximum age since iat: seconds or 90s, 5m, 2h, 1d
  --timeout <d>           Fetch timeout of --jwks-uri and --issuer-url (default 5s)

  -h, --help              Show this help

Exit codes:
  0  ok                   12 token_invalid       16 token_revoked       20 forbidden
  1  internal error       13 token_expired       17 key_not_found       21 rate_limited
  2  usage error          14 token_not_active    18 keys_unavailable    22 store_unavailable
                                                                        23 server_error
  10 token_missing        15 claim_invalid       19 auth_timeout        24 logged_out
  11 token_malformed                                                    25 reauth_required
`
