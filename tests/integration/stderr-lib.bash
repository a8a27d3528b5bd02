# A check the integration tests share (sourced; it is not a test): a command that must fail with one line.

# one_line_error ERRFILE WANT CMDTEXT: ERRFILE holds exactly one line and it contains WANT (calls the
# sourcing test's fail()).
one_line_error() {
	local err=$1 want=$2 what=$3
	grep -qF -- "$want" "$err" || fail "$what: stderr lacks '$want': $(cat "$err")"
	[ "$(grep -c . "$err")" -eq 1 ] || fail "$what: not one line: $(cat "$err")"
}
