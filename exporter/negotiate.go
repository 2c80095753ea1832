package exporter

import "strings"

// encoding is the content coding a response is sent with.
type encoding int

const (
	encodingIdentity encoding = iota
	encodingGzip
	encodingNone // neither coding is acceptable: 406
)

// negotiateEncoding chooses between the two codings the exporter offers,
// gzip and identity, from the Accept-Encoding field lines of a request
// (RFC 9110 §12.5.3). The module graph holds no parser that fits:
// goautoneg skips any element without a '/', so it drops every coding.
//
// gzip is chosen when acceptable and weighted at least as high as
// identity, since compression is what Prometheus asks for. identity that
// the header neither lists nor covers with '*' is acceptable but weighs
// less than any listed coding: "gzip;q=0.5" gets gzip. A missing or empty
// header gets identity, which RFC 9110 allows and curl expects.
func negotiateEncoding(fieldLines []string) encoding {
	const unlisted = -1
	gzipQ, identityQ, starQ := unlisted, unlisted, unlisted
	for _, line := range fieldLines {
		for _, element := range strings.Split(line, ",") {
			coding, q, ok := parseCoding(element)
			if !ok {
				continue
			}
			// The first weight given to a coding counts.
			switch coding {
			case "gzip", "x-gzip": // RFC 9110 §8.4.1.3: x-gzip is gzip
				if gzipQ == unlisted {
					gzipQ = q
				}
			case "identity":
				if identityQ == unlisted {
					identityQ = q
				}
			case "*":
				if starQ == unlisted {
					starQ = q
				}
			}
		}
	}
	identityByDefault := identityQ == unlisted && starQ == unlisted
	if gzipQ == unlisted {
		gzipQ = max(starQ, 0)
	}
	if identityQ == unlisted {
		identityQ = starQ
	}
	switch {
	case gzipQ > 0 && (identityByDefault || gzipQ >= identityQ):
		return encodingGzip
	case identityByDefault || identityQ > 0:
		return encodingIdentity
	default:
		return encodingNone
	}
}

// parseCoding reads one element of Accept-Encoding: a coding, lower
// case, and its weight in thousandths. ok is false for an empty element
// or an invalid weight, which are then ignored as a whole: guessing a
// weight could send a coding the client refused.
func parseCoding(element string) (coding string, q int, ok bool) {
	coding, params, _ := strings.Cut(element, ";")
	coding = strings.ToLower(trimOWS(coding))
	if coding == "" {
		return "", 0, false
	}
	q = 1000
	for param := range strings.SplitSeq(params, ";") {
		name, value, _ := strings.Cut(param, "=")
		if !strings.EqualFold(trimOWS(name), "q") {
			continue // RFC 9110 defines no other parameter here
		}
		if q, ok = parseQValue(trimOWS(value)); !ok {
			return "", 0, false
		}
	}
	return coding, q, true
}

// parseQValue parses a weight in thousandths, following RFC 9110 §12.4.2:
// "0" or "1", then optionally '.' and up to three digits (only zeros
// after a 1). strconv.ParseFloat would accept "1e-3", "0x1p-1" or "NaN".
func parseQValue(s string) (int, bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := int(s[0] - '0')
	frac := s[1:]
	if frac != "" {
		if frac[0] != '.' || len(frac) > 4 {
			return 0, false
		}
		frac = frac[1:]
	}
	thousandths := 0
	for i := range 3 {
		thousandths *= 10
		if i < len(frac) {
			d := frac[i]
			if d < '0' || d > '9' {
				return 0, false
			}
			thousandths += int(d - '0')
		}
	}
	if whole == 1 && thousandths != 0 {
		return 0, false
	}
	return whole*1000 + thousandths, true
}

// trimOWS trims optional whitespace: spaces and horizontal tabs.
func trimOWS(s string) string {
	return strings.Trim(s, " \t")
}
