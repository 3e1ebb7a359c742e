package notices

// Signer is the name that signs a notice's messages, the one rule the
// daemon's footers and the site's previews and public pages follow. With
// one commune (communes <= 1) it is LOAXA_COMMUNE (commune), as before
// province mode. With several: a province-wide notice's is the province's
// (ProvinceName), a commune's its name in the communes table (name), and
// LOAXA_COMMUNE when that is unknown.
func Signer(communes int, provinceWide bool, name, commune, province string) string {
	switch {
	case communes <= 1:
		return commune
	case provinceWide:
		return ProvinceName(province)
	case name != "":
		return name
	}
	return commune
}

// ProvinceName is the name that signs province-wide notices and titles the
// province's public page: LOAXA_PROVINCE (province), or "UBND tỉnh" when it
// is not set (the daemon warns at start).
func ProvinceName(province string) string {
	if province != "" {
		return province
	}
	return "UBND tỉnh"
}
