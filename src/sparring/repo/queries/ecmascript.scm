; What JavaScript and TypeScript (and JSX, TSX) share; read before javascript.scm or typescript.scm,
; which add what differs (the node types of names, parameters, classes and types).
; Captures: see sparring/repo/syntax.py.

; Definitions: a module-level function or arrow function bound by const/let/var, exported or not.
(program [
  (lexical_declaration (variable_declarator name: (identifier) @definition.def
    value: [(arrow_function) (function_expression) (generator_function)]))
  (variable_declaration (variable_declarator name: (identifier) @definition.def
    value: [(arrow_function) (function_expression) (generator_function)]))
  (export_statement declaration: [
    (lexical_declaration (variable_declarator name: (identifier) @definition.def
      value: [(arrow_function) (function_expression) (generator_function)]))
    (variable_declaration (variable_declarator name: (identifier) @definition.def
      value: [(arrow_function) (function_expression) (generator_function)]))])])

; References: the property of a member expression (obj.name) and a shorthand property ({name}).
(member_expression property: (property_identifier) @reference)
(shorthand_property_identifier) @reference

; Names of nested function expressions, an arrow function's lone parameter, the name a catch
; clause binds.
(function_expression name: (identifier) @ignore)
(generator_function name: (identifier) @ignore)
(arrow_function parameter: (identifier) @ignore)
(catch_clause parameter: (identifier) @ignore)

; Imports and exports: the imported or exported name counts, not the local alias.
(import_specifier alias: (identifier) @ignore)
(namespace_import (identifier) @ignore)
(export_specifier alias: (identifier) @ignore)

; Calls.
(call_expression function: (identifier) @call.name) @call
(call_expression function: (member_expression property: (property_identifier) @call.name)) @call
(new_expression constructor: (identifier) @call.name) @call
(new_expression constructor: (member_expression property: (property_identifier) @call.name)) @call
