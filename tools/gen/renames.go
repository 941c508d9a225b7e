package main

// Quirks of individual models live here, named, rather than as special
// cases in the templates.

// typeRenames gives a shape's Go type a chosen name, per service, where the
// mechanical name would be misleading or collide.
var typeRenames = map[string]map[string]string{}

// fieldRenames gives a structure member a chosen Go field name, per service
// and shape. The `hk` tag always keeps the model's member name.
var fieldRenames = map[string]map[string]map[string]string{}

// reservedNames are the package-level identifiers every generated package
// declares itself; shapes that would take them are renamed.
var reservedNames = []string{"API", "Unimplemented", "Bind", "ServiceID", "Model"}
