"""Forms: the FormInstance lifecycle, uploads, the forms section, PDFs."""
