package mapping

import "github.com/edibridge/edibridge/procuros"

// INVOIC with a credit note's document name (BGM 381, and the others the
// documentNames table maps to a credit note) <-> CREDIT_NOTE. The message
// is read and written by the invoice mapping, with the invoice tables
// (tables/invoic.yaml): a credit note is an invoice with a few fields of
// its own (its type, the invoice it credits, the reasons). These functions
// move a credit note into the invoice form and back.

// creditExtras are what a credit note carries beyond an invoice.
type creditExtras struct {
	docType        string // the documentNames value: creditNote, CORRECTION, VALUE_CREDIT
	reason         string // header.reason (FTX by the freeText table)
	invoiceRef     string // header.invoiceIdentifier (RFF+IV): the invoice credited
	invoiceRefDate procuros.DateTime
	itemReasons    []string // items[i].reason
}

// creditNoteOf turns an invoice read from an INVOIC into the credit note
// it is. The invoice's identifier, date and due date are the credit
// note's own.
func creditNoteOf(inv *procuros.Invoice, x creditExtras) *procuros.CreditNote {
	h := inv.Header
	cn := &procuros.CreditNote{
		Header: procuros.CreditNoteHeader{
			Buyer: h.Buyer, Supplier: h.Supplier, ShipTo: h.ShipTo, BillTo: h.BillTo, BillFrom: h.BillFrom, FinalRecipient: h.FinalRecipient,
			CreditNoteIdentifier: h.InvoiceIdentifier, CreditNoteDate: h.InvoiceDate, CreditNoteDueDate: h.InvoiceDueDate,
			InvoiceIdentifier: x.invoiceRef, InvoiceDate: x.invoiceRefDate,
			ShippingNoticeIdentifier: h.ShippingNoticeIdentifier, ShippingNoticeDate: h.ShippingNoticeDate,
			OrderIdentifier: h.OrderIdentifier, OrderDate: h.OrderDate,
			RequestedDeliveryDate: h.RequestedDeliveryDate, ExpectedDeliveryDate: h.ExpectedDeliveryDate,
			PaymentTerms: h.PaymentTerms, Comments: h.Comments, DeliveryInformation: h.DeliveryInformation,
			PurchasingInformation: h.PurchasingInformation, LegalInformation: h.LegalInformation,
			Currency: h.Currency, PromotionCode: h.PromotionCode, ContractReference: h.ContractReference,
			Reason: x.reason, OrganicControlPointNumber: h.OrganicControlPointNumber, Version: h.Version,
		},
		Summary: inv.Summary,
	}
	if x.docType != "creditNote" {
		cn.Header.Type = procuros.CreditNoteType(x.docType)
	}
	cn.Items = make([]procuros.CreditNoteItem, len(inv.Items))
	for i, it := range inv.Items {
		reason := ""
		if i < len(x.itemReasons) {
			reason = x.itemReasons[i]
		}
		cn.Items[i] = creditItemOf(it, reason)
	}
	return cn
}

func creditItemOf(it procuros.InvoiceItem, reason string) procuros.CreditNoteItem {
	c := procuros.CreditNoteItem{
		LineNumber: it.LineNumber, ShippingNoticeIdentifier: it.ShippingNoticeIdentifier, ShippingNoticeDate: it.ShippingNoticeDate,
		ShippingNoticeLineNumber: it.ShippingNoticeLineNumber, OrderIdentifier: it.OrderIdentifier, OrderDate: it.OrderDate,
		OrderLineNumber: it.OrderLineNumber, RequestedDeliveryDate: it.RequestedDeliveryDate, ExpectedDeliveryDate: it.ExpectedDeliveryDate,
		Identifiers: it.Identifiers, IsDepositItem: it.IsDepositItem, IsInvoicedItem: it.IsInvoicedItem,
		Description: it.Description, Comments: it.Comments, Quantity: it.Quantity, FreeQuantity: it.FreeQuantity,
		OrderedQuantity: it.OrderedQuantity, UnitPrice: it.UnitPrice, RecommendedRetailPrice: it.RecommendedRetailPrice,
		NetWeight: it.NetWeight, GrossWeight: it.GrossWeight, OriginCountryCode: it.OriginCountryCode,
		ColorCode: it.ColorCode, ColorName: it.ColorName, Size: it.Size, Dimension: it.Dimension, HSCode: it.HSCode,
		OrganicControlPointNumber: it.OrganicControlPointNumber, FSCNumber: it.FSCNumber, Certifications: it.Certifications,
		PromotionCode: it.PromotionCode, Reason: reason, Tax: it.Tax, Batches: it.Batches, ModificationGroups: it.ModificationGroups,
		UnitOfMeasure: it.UnitOfMeasure, ContractReference: it.ContractReference,
	}
	for _, sub := range it.SubItems {
		c.SubItems = append(c.SubItems, creditItemOf(sub, ""))
	}
	return c
}

// invoiceOf is the inverse of creditNoteOf: the invoice form of a credit
// note, to write as an INVOIC, and what it carries beyond.
func invoiceOf(cn *procuros.CreditNote) (*procuros.Invoice, creditExtras) {
	h := cn.Header
	inv := &procuros.Invoice{
		Header: procuros.InvoiceHeader{
			Buyer: h.Buyer, Supplier: h.Supplier, ShipTo: h.ShipTo, BillTo: h.BillTo, BillFrom: h.BillFrom, FinalRecipient: h.FinalRecipient,
			InvoiceIdentifier: h.CreditNoteIdentifier, InvoiceDate: h.CreditNoteDate, InvoiceDueDate: h.CreditNoteDueDate,
			ShippingNoticeIdentifier: h.ShippingNoticeIdentifier, ShippingNoticeDate: h.ShippingNoticeDate,
			OrderIdentifier: h.OrderIdentifier, OrderDate: h.OrderDate,
			RequestedDeliveryDate: h.RequestedDeliveryDate, ExpectedDeliveryDate: h.ExpectedDeliveryDate,
			PaymentTerms: h.PaymentTerms, Comments: h.Comments, DeliveryInformation: h.DeliveryInformation,
			PurchasingInformation: h.PurchasingInformation, LegalInformation: h.LegalInformation,
			Currency: h.Currency, PromotionCode: h.PromotionCode, OrganicControlPointNumber: h.OrganicControlPointNumber,
			ContractReference: h.ContractReference, Version: h.Version,
		},
		Summary: cn.Summary,
	}
	x := creditExtras{docType: "creditNote", reason: h.Reason, invoiceRef: h.InvoiceIdentifier, invoiceRefDate: h.InvoiceDate}
	if h.Type != "" {
		x.docType = string(h.Type)
	}
	inv.Items = make([]procuros.InvoiceItem, len(cn.Items))
	x.itemReasons = make([]string, len(cn.Items))
	for i, it := range cn.Items {
		inv.Items[i] = invoiceItemOf(it)
		x.itemReasons[i] = it.Reason
	}
	return inv, x
}

func invoiceItemOf(c procuros.CreditNoteItem) procuros.InvoiceItem {
	it := procuros.InvoiceItem{
		LineNumber: c.LineNumber, ShippingNoticeIdentifier: c.ShippingNoticeIdentifier, ShippingNoticeDate: c.ShippingNoticeDate,
		ShippingNoticeLineNumber: c.ShippingNoticeLineNumber, OrderIdentifier: c.OrderIdentifier, OrderDate: c.OrderDate,
		OrderLineNumber: c.OrderLineNumber, RequestedDeliveryDate: c.RequestedDeliveryDate, ExpectedDeliveryDate: c.ExpectedDeliveryDate,
		Identifiers: c.Identifiers, IsDepositItem: c.IsDepositItem, IsInvoicedItem: c.IsInvoicedItem,
		Description: c.Description, Comments: c.Comments, Quantity: c.Quantity, FreeQuantity: c.FreeQuantity,
		OrderedQuantity: c.OrderedQuantity, UnitPrice: c.UnitPrice, RecommendedRetailPrice: c.RecommendedRetailPrice,
		NetWeight: c.NetWeight, GrossWeight: c.GrossWeight, OriginCountryCode: c.OriginCountryCode,
		ColorCode: c.ColorCode, ColorName: c.ColorName, Size: c.Size, Dimension: c.Dimension, HSCode: c.HSCode,
		OrganicControlPointNumber: c.OrganicControlPointNumber, FSCNumber: c.FSCNumber, Certifications: c.Certifications,
		PromotionCode: c.PromotionCode, ContractReference: c.ContractReference, Tax: c.Tax, Batches: c.Batches,
		ModificationGroups: c.ModificationGroups, UnitOfMeasure: c.UnitOfMeasure,
	}
	for _, sub := range c.SubItems {
		it.SubItems = append(it.SubItems, invoiceItemOf(sub))
	}
	return it
}
