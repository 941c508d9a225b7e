package actions

import (
	"sort"
	"strings"
)

var partiQLActions = []string{"dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"}

// dynamoTable returns a table's ARN; TableName may itself be an ARN.
func (r *resolver) dynamoTable(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return r.arn("dynamodb", "", "", "table/"+name)
}

// dynamoBind: batch calls name their tables as the keys of RequestItems.
func dynamoBind(r *resolver, resourceType, ph string) ([]string, bool) {
	if ph != "TableName" {
		return nil, false
	}
	items, ok := r.Input["RequestItems"].(map[string]any)
	if !ok {
		return nil, false
	}
	names := make([]string, 0, len(items))
	for k := range items {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, true
}

// dynamoResource: a Query or Scan of an index is authorized on the index
// alone (table/T/index/I), not on the table.
func dynamoResource(r *resolver, rt *ResourceType) ([]string, bool) {
	idx, _ := r.Input["IndexName"].(string)
	if idx == "" || (r.Operation != "Query" && r.Operation != "Scan") {
		return nil, false
	}
	table, _ := r.Input["TableName"].(string)
	switch {
	case rt.Name == "table":
		return notApplicable, true
	case rt.Name == "index" && table != "":
		return []string{r.dynamoTable(table) + "/index/" + idx}, true
	}
	return nil, false
}

func dynamodbContext(r *resolver, c contextBuilder) {
	c.str("dynamodb:Select", r.Input, "Select")
	c.str("dynamodb:ReturnValues", r.Input, "ReturnValues")
	c.str("dynamodb:ReturnConsumedCapacity", r.Input, "ReturnConsumedCapacity")
	c.set("dynamodb:Attributes", strings1(r.Input["AttributesToGet"])...)
}

// dynamoTransactGet checks GetItem on every table of the transaction.
func dynamoTransactGet(r *resolver) ([]Check, error) {
	return r.dynamoItems(map[string]string{"Get": "dynamodb:GetItem"}, []string{"dynamodb:GetItem"})
}

// dynamoTransactWrite checks each item's own action on its table.
func dynamoTransactWrite(r *resolver) ([]Check, error) {
	return r.dynamoItems(map[string]string{
		"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
		"Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem",
	}, []string{"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"})
}

// dynamoItems groups TransactItems' tables by action, one check per
// action in the given order.
func (r *resolver) dynamoItems(kinds map[string]string, order []string) ([]Check, error) {
	tables := map[string][]string{}
	items, _ := r.Input["TransactItems"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		for kind, action := range kinds {
			op, ok := m[kind].(map[string]any)
			if !ok {
				continue
			}
			if t, _ := op["TableName"].(string); t != "" {
				tables[action] = append(tables[action], r.dynamoTable(t))
			}
		}
	}
	for _, a := range order {
		arns := tables[a]
		if len(arns) == 0 {
			continue
		}
		sort.Strings(arns)
		c := r.explicit(a, "table", "")
		c.Resources, c.Unresolved = compact(arns), false
		r.checks = append(r.checks, c)
	}
	if len(r.checks) == 0 {
		r.checks = append(r.checks, r.explicit(order[0], "table", ""))
	}
	return r.checks, nil
}

func dynamoExecuteStatement(r *resolver) ([]Check, error) {
	s, _ := r.Input["Statement"].(string)
	r.partiQL(s)
	return r.checks, nil
}

func dynamoBatchExecuteStatement(r *resolver) ([]Check, error) {
	return r.partiQLList("Statements")
}

func dynamoExecuteTransaction(r *resolver) ([]Check, error) {
	return r.partiQLList("TransactStatements")
}

func (r *resolver) partiQLList(member string) ([]Check, error) {
	list, _ := r.Input[member].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		s, _ := m["Statement"].(string)
		r.partiQL(s)
	}
	if len(r.checks) == 0 {
		r.checks = append(r.checks, r.explicit("dynamodb:PartiQLSelect", "table", ""))
	}
	return r.checks, nil
}

// partiQL checks one statement: its verb picks the action, its target the
// table (or index: "Table"."Index").
func (r *resolver) partiQL(stmt string) {
	verb, table, index := parsePartiQL(stmt)
	action := map[string]string{
		"SELECT": "dynamodb:PartiQLSelect", "INSERT": "dynamodb:PartiQLInsert",
		"UPDATE": "dynamodb:PartiQLUpdate", "DELETE": "dynamodb:PartiQLDelete",
	}[verb]
	if action == "" {
		// Not a statement DynamoDB runs: it fails validation; deny-safe.
		r.checks = append(r.checks, r.explicit("dynamodb:PartiQLSelect", "table", ""))
		return
	}
	switch {
	case table == "":
		r.checks = append(r.checks, r.explicit(action, "table", ""))
	case index != "":
		r.checks = append(r.checks, r.explicit(action, "index", r.dynamoTable(table)+"/index/"+index))
	default:
		r.checks = append(r.checks, r.explicit(action, "table", r.dynamoTable(table)))
	}
}

// parsePartiQL extracts the verb and target of a DynamoDB PartiQL
// statement: SELECT ... FROM t, INSERT INTO t, UPDATE t, DELETE FROM t.
// Identifiers may be double-quoted; t may be "Table"."Index".
func parsePartiQL(s string) (verb, table, index string) {
	toks := partiQLTokens(s)
	if len(toks) == 0 {
		return "", "", ""
	}
	verb = strings.ToUpper(toks[0])
	var at int
	switch verb {
	case "SELECT", "DELETE":
		at = -1
		for i, t := range toks {
			if strings.EqualFold(t, "FROM") {
				at = i + 1
				break
			}
		}
	case "INSERT":
		at = 2
		if len(toks) < 2 || !strings.EqualFold(toks[1], "INTO") {
			at = -1
		}
	case "UPDATE":
		at = 1
	default:
		return verb, "", ""
	}
	if at < 0 || at >= len(toks) {
		return verb, "", ""
	}
	table, index, _ = strings.Cut(toks[at], "\x00")
	return verb, table, index
}

// partiQLTokens splits on blanks, unquoting "identifiers"; a dotted
// "Table"."Index" pair is one token with a NUL between the parts.
func partiQLTokens(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		default:
			var tok strings.Builder
			for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
				if s[i] == '"' {
					j := strings.IndexByte(s[i+1:], '"')
					if j < 0 {
						tok.WriteString(s[i+1:])
						i = len(s)
						break
					}
					tok.WriteString(s[i+1 : i+1+j])
					i += j + 2
					continue
				}
				if s[i] == '.' {
					tok.WriteByte(0)
				} else {
					tok.WriteByte(s[i])
				}
				i++
			}
			toks = append(toks, tok.String())
		}
	}
	return toks
}
