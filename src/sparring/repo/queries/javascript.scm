; JavaScript (and JSX). Captures (see sparring/repo/syntax.py):
;   @definition.<kind>  the name of a module-level definition: class, def, or method (of a module-level class)
;   @reference          an identifier the file uses
;   @ignore             an identifier that names something rather than uses it
;   @call / @call.name  a call and the name it calls (f(...), obj.f(...), new F(...))

; Definitions: module-level functions (declared, or a function or arrow function bound by
; const/let/var), classes and their methods (a field holding a function is one), exported or not.
(program [
  (function_declaration name: (identifier) @definition.def)
  (generator_function_declaration name: (identifier) @definition.def)
  (export_statement declaration: [
    (function_declaration name: (identifier) @definition.def)
    (generator_function_declaration name: (identifier) @definition.def)])])

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

(program [
  (class_declaration name: (identifier) @definition.class)
  (export_statement declaration: (class_declaration name: (identifier) @definition.class))])

(program [
  (class_declaration body: (class_body [
    (method_definition name: (property_identifier) @definition.method)
    (field_definition property: (property_identifier) @definition.method
      value: [(arrow_function) (function_expression) (generator_function)])]))
  (export_statement declaration: (class_declaration body: (class_body [
    (method_definition name: (property_identifier) @definition.method)
    (field_definition property: (property_identifier) @definition.method
      value: [(arrow_function) (function_expression) (generator_function)])])))])

; References: every identifier, the property of a member expression (obj.name) and a shorthand
; property ({name}), but those below.
(identifier) @reference
(member_expression property: (property_identifier) @reference)
(shorthand_property_identifier) @reference

; Names of nested definitions.
(function_declaration name: (identifier) @ignore)
(generator_function_declaration name: (identifier) @ignore)
(function_expression name: (identifier) @ignore)
(generator_function name: (identifier) @ignore)
(class_declaration name: (identifier) @ignore)
(class name: (identifier) @ignore)

; Parameters, and the name a catch clause binds.
(formal_parameters (identifier) @ignore)
(formal_parameters (assignment_pattern left: (identifier) @ignore))
(formal_parameters (rest_pattern (identifier) @ignore))
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
