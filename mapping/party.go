package mapping

import (
	"fmt"
	"strings"

	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// Field widths of EANCOM D96A, to join and cut texts.
const (
	nameWidth   = 35 // C080 3036 party name, C059 3042 street
	textWidth   = 70 // FTX C108 4440 (written so; D00A and later read up to 512)
	itemWidth   = 35 // IMD C273 7008
	streetParts = 3  // C059 components that hold the street; the fourth holds addressExtra
)

// partyIn is what a party's group (NAD and its RFF, CTA and COM groups)
// says: the party, and the order number that party gave (RFF+ON).
type partyIn struct {
	party    procuros.Party
	orderRef string
}

// party reads a party group: NAD C082 identification, C080 name, C059
// street, city, state, postcode, country; SG3 RFF identifiers (VAT,
// fiscal number) and order reference; SG5 CTA/COM contacts.
func (c *in) party(n *structure.Node) partyIn {
	nad := first(n)
	var p partyIn
	c.consume(nad, 2, 2) // code list of the identification
	if id := c.value(nad, 2, 1); id != "" {
		if domain, ok := c.partyDomain(nad, id, c.value(nad, 2, 3)); ok {
			p.party.Identifiers = append(p.party.Identifiers, procuros.PartyIdentifier{Identifier: id, Domain: procuros.Domain(domain)})
		}
	}
	if nad.Element(2).Len() > 0 && !nad.Element(2).IsEmpty() {
		c.errorf(nad, 3, 0, "unstructured name and address (C058) is not mapped: use party name (C080) and street (C059)")
	}
	p.party.Name = c.text(nad, 4, 1, 5, nameWidth)
	addr := procuros.PostalAddress{
		Street:       c.text(nad, 5, 1, streetParts, nameWidth),
		AddressExtra: c.value(nad, 5, 4),
		City:         c.value(nad, 6, 1),
		State:        c.value(nad, 7, 1), // C819 3229: the code; its name (3228) below
		PostalCode:   c.value(nad, 8, 1),
		CountryCode:  c.value(nad, 9, 1),
	}
	if addr != (procuros.PostalAddress{}) {
		p.party.PostalAddress = &addr
	}
	c.walk(n, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "NAD":
			case "FII":
				c.bankAccount(s, &p.party)
			default:
				return false
			}
			return true
		},
		group: func(trigger string, g *structure.Node) bool {
			switch trigger {
			case "RFF":
				c.partyReference(g, &p)
			case "CTA":
				p.party.Contacts = append(p.party.Contacts, c.contact(g))
			default:
				return false
			}
			return true
		},
	})
	return p
}

// bankAccount reads an FII: account number and holder (C078), the bank's
// identification with its agency (C088 3433/3055, else the branch 3434/3055)
// and name (3432). The role of the bank (3035) is not carried: Procuros
// keeps one account per party.
func (c *in) bankAccount(s Seg, p *procuros.Party) {
	if p.FinancialInstitution != nil {
		c.errorf(s, 0, 0, "a second bank account for the party: Procuros carries one")
		return
	}
	c.consume(s, 1, 1)    // the bank's role (3035): Procuros keeps one account
	c.consume(s, 3, 2, 5) // code list qualifiers of the identifications
	fi := &procuros.FinancialInstitution{
		AccountNumber: c.value(s, 2, 1),
		AccountHolder: c.value(s, 2, 2),
		Name:          c.value(s, 3, 7),
	}
	id, agency, comp := c.value(s, 3, 1), c.value(s, 3, 3), 3
	if id == "" {
		id, agency, comp = c.value(s, 3, 4), c.value(s, 3, 6), 6
	}
	fi.InstitutionID = id
	if agency != "" {
		domain, ok := c.tabs.BankAgencies.Get(agency)
		if !ok {
			c.errorf(s, 3, comp, "agency %q of bank identification %q is not mapped (tables: bankAgencies)", agency, id)
		}
		fi.InstitutionIDDomain = domain
	}
	p.FinancialInstitution = fi
}

// partyDomain returns the identifier domain of a party identifier by its
// agency (3055). BUYER and SELLER become the internal domain of the sender
// or of the receiver, by who sends the message. Without an agency, a
// thirteen-digit number with a valid GS1 check digit is a GLN.
func (c *in) partyDomain(nad Seg, id, agency string) (string, bool) {
	if agency == "" {
		if isGLN(id) {
			return "GS1", true
		}
		c.errorf(nad, 2, 3, "party identifier %q has no agency (3055): 9 for a GLN, 91 or 92 for a number the seller or buyer assigned", id)
		return "", false
	}
	domain, ok := c.tabs.PartyAgencies.Get(agency)
	if !ok {
		c.errorf(nad, 2, 3, "agency %q of party identifier %q is not mapped (tables: partyAgencies)", agency, id)
		return "", false
	}
	if domain == "GS1" && !isGLN(id) {
		c.warnf(nad, 2, 1, "%q is not a GLN (thirteen digits with a valid check digit): sent as it is", id)
	}
	return internalDomain(domain, c.t.Sender), true
}

// internalDomain turns BUYER and SELLER into SENDER_INTERNAL or
// RECEIVER_INTERNAL, by who sends the message.
func internalDomain(domain, sender string) string {
	switch {
	case domain == "BUYER" && sender == "buyer", domain == "SELLER" && sender == "supplier":
		return "SENDER_INTERNAL"
	case domain == "BUYER", domain == "SELLER":
		return "RECEIVER_INTERNAL"
	}
	return domain
}

// isGLN reports whether s is a thirteen-digit GS1 number with a valid
// check digit.
func isGLN(s string) bool {
	if len(s) != 13 {
		return false
	}
	sum := 0
	for i := 0; i < 12; i++ {
		c := s[11-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return s[12] >= '0' && s[12] <= '9' && int(s[12]-'0') == (10-sum%10)%10
}

// partyReference reads an RFF in a party's group: an identifier (VAT,
// fiscal number) or the order number that party gave.
func (c *in) partyReference(g *structure.Node, p *partyIn) {
	rff := first(g)
	code, ref := c.value(rff, 1, 1), c.value(rff, 1, 2)
	c.walk(g, handlers{
		segment: only("RFF"),
	})
	if domain, ok := c.tabs.PartyReferences.Get(code); ok {
		switch {
		case domain == NotCarried:
		case domain == "VAT_DE" && !strings.HasPrefix(strings.ToUpper(ref), "DE"):
			// Procuros's VAT domain is the German one.
			c.warnf(rff, 1, 2, "the VAT number %s is not German: not carried, as Procuros has no domain for it", ref)
		default:
			p.party.Identifiers = append(p.party.Identifiers, procuros.PartyIdentifier{Identifier: ref, Domain: procuros.Domain(domain)})
		}
		return
	}
	if _, ok := c.t.PartyOrders.Get(code); ok {
		p.orderRef = ref
		return
	}
	c.unmapped(rff, code)
}

// contact reads a CTA with its COM segments.
func (c *in) contact(g *structure.Node) procuros.Contact {
	cta := first(g)
	var ct procuros.Contact
	ct.Department = c.value(cta, 2, 1)
	ct.FirstName, ct.LastName = splitName(c.value(cta, 2, 2))
	c.walk(g, handlers{
		segment: func(com Seg) bool {
			switch com.Tag {
			case "CTA":
			case "COM":
				field, ok := c.lookup(com, c.tabs.Communication, 1, 2)
				if !ok {
					return true
				}
				number := c.value(com, 1, 1)
				switch field {
				case "phone":
					c.setText(com, 1, 1, &ct.Phone, number, "phone")
				case "fax":
					c.setText(com, 1, 1, &ct.Fax, number, "fax")
				case "email":
					c.setText(com, 1, 1, &ct.Email, number, "e-mail")
				case "mobile":
					c.setText(com, 1, 1, &ct.Mobile, number, "mobile")
				}
			default:
				return false
			}
			return true
		},
	})
	return ct
}

// splitName cuts a contact name (CTA C056 3412) at its first space: EANCOM
// has one name field, Procuros a first and a last name.
func splitName(name string) (first, last string) {
	name = strings.TrimSpace(name)
	if f, l, ok := strings.Cut(name, " "); ok {
		return f, strings.TrimSpace(l)
	}
	return "", name
}

// joinName is the inverse of splitName.
func joinName(first, last string) string {
	return strings.TrimSpace(first + " " + last)
}

// partyOut writes a party group: NAD, then RFF groups (identifiers other
// than the NAD's, the party's order number), then CTA groups.
func (o *out) party(role, path string, p procuros.Party, orderRef string) {
	code, ok := o.t.Parties.Code(role)
	if !ok {
		o.errorf(path, "no NAD qualifier for the %s (tables: parties)", role)
		return
	}
	var nadID, nadAgency string
	var rest []procuros.PartyIdentifier
	for _, id := range p.Identifiers {
		agency, ok := o.partyAgency(string(id.Domain))
		if nadID == "" && ok {
			nadID, nadAgency = id.Identifier, agency
			continue
		}
		rest = append(rest, id)
	}
	partyName := p.Name
	if p.PostalAddress != nil && p.PostalAddress.Name != "" {
		// The deprecated name of the address: the NAD has one name.
		if partyName == "" {
			partyName = p.PostalAddress.Name
			o.warnf(path+".postalAddress.name", "written as the party's name (NAD C080): postalAddress.name is deprecated")
		} else {
			o.warnf(path+".postalAddress.name", "not written: the NAD carries the party's name only (postalAddress.name is deprecated)")
		}
	}
	name := wrap(partyName, nameWidth)
	if len(name) > 5 {
		o.errorf(path+".name", "name longer than five lines of %d characters", nameWidth)
		name = name[:5]
	}
	var a procuros.PostalAddress
	if p.PostalAddress != nil {
		a = *p.PostalAddress
	}
	street := wrap(a.Street, nameWidth)
	if len(street) > streetParts {
		o.errorf(path+".postalAddress.street", "street longer than %d lines of %d characters", streetParts, nameWidth)
		street = street[:streetParts]
	}
	if a.AddressExtra != "" {
		for len(street) < streetParts {
			street = append(street, "")
		}
		street = append(street, a.AddressExtra)
	}
	o.add("NAD", []string{code}, []string{nadID, "", nadAgency}, nil, name, street,
		[]string{a.City}, []string{a.State}, []string{a.PostalCode}, []string{a.CountryCode})
	// FII before the RFF groups: the order of the NAD group.
	if fi := p.FinancialInstitution; fi != nil {
		agency := ""
		if fi.InstitutionIDDomain != "" {
			var ok bool
			if agency, ok = o.tabs.BankAgencies.Code(fi.InstitutionIDDomain); !ok {
				o.warnf(path+".financialInstitution.institutionIdDomain", "bank identification domain %q has no agency code (tables: bankAgencies): the identification is written without", fi.InstitutionIDDomain)
			}
		}
		o.add("FII", []string{"RB"}, []string{fi.AccountNumber, fi.AccountHolder}, []string{fi.InstitutionID, "", agency, "", "", "", fi.Name})
	}
	for _, id := range rest {
		refCode, ok := o.tabs.PartyReferences.Code(string(id.Domain))
		if !ok {
			o.errorf(path+".identifiers", "no place in EANCOM for a second identifier of domain %s (tables: partyReferences)", id.Domain)
			continue
		}
		o.add("RFF", []string{refCode, id.Identifier})
	}
	if orderRef != "" {
		ref, _ := o.t.PartyOrders.Code("order")
		o.add("RFF", []string{ref, orderRef})
	}
	for i, ct := range p.Contacts {
		for _, f := range []struct{ name, v string }{{"title", ct.Title}, {"salutation", ct.Salutation}} {
			if f.v != "" {
				o.warnf(fmt.Sprintf("%s.contacts[%d].%s", path, i, f.name), "not written: a contact (CTA) has no %s", f.name)
			}
		}
		o.add("CTA", []string{"IC"}, []string{ct.Department, joinName(ct.FirstName, ct.LastName)})
		for _, f := range []struct{ field, number string }{{"phone", ct.Phone}, {"fax", ct.Fax}, {"email", ct.Email}, {"mobile", ct.Mobile}} {
			if f.number == "" {
				continue
			}
			channel, ok := o.tabs.Communication.Code(f.field)
			if !ok {
				o.errorf(path+".contacts", "no communication channel for %s (tables: communication)", f.field)
				continue
			}
			o.add("COM", []string{f.number, channel})
		}
	}
}

// partyAgency returns the agency (3055) for an identifier domain that the
// NAD can carry, by who sends the message.
func (o *out) partyAgency(domain string) (string, bool) {
	switch domain {
	case "SENDER_INTERNAL", "RECEIVER_INTERNAL":
		own := "BUYER"
		if (o.t.Sender == "buyer") != (domain == "SENDER_INTERNAL") {
			own = "SELLER"
		}
		return o.tabs.PartyAgencies.Code(own)
	}
	return o.tabs.PartyAgencies.Code(domain)
}
