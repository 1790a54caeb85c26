; TypeScript (and TSX), read after ecmascript.scm. Captures (see sparring/repo/syntax.py):
;   @definition.<kind>  the name of a module-level definition: class, def, method (of a module-level
;                       class or interface) or type (an interface, type alias or enum)
;   @reference          an identifier or type name the file uses
;   @ignore             an identifier that names something rather than uses it
;   @call / @call.name  a call and the name it calls (f(...), obj.f(...), new F(...))

; Definitions: module-level functions (declared, overloaded, ambient), classes and their methods (a
; field holding a function is one), interfaces and their methods, type aliases and enums, exported
; or not.
(program [
  (function_declaration name: (identifier) @definition.def)
  (generator_function_declaration name: (identifier) @definition.def)
  (function_signature name: (identifier) @definition.def)
  (ambient_declaration (function_signature name: (identifier) @definition.def))
  (export_statement declaration: [
    (function_declaration name: (identifier) @definition.def)
    (generator_function_declaration name: (identifier) @definition.def)
    (function_signature name: (identifier) @definition.def)])])

(program [
  (class_declaration name: (type_identifier) @definition.class)
  (abstract_class_declaration name: (type_identifier) @definition.class)
  (ambient_declaration (class_declaration name: (type_identifier) @definition.class))
  (export_statement declaration: [
    (class_declaration name: (type_identifier) @definition.class)
    (abstract_class_declaration name: (type_identifier) @definition.class)])])

(program [
  (class_declaration body: (class_body [
    (method_definition name: (property_identifier) @definition.method)
    (abstract_method_signature name: (property_identifier) @definition.method)
    (public_field_definition name: (property_identifier) @definition.method
      value: [(arrow_function) (function_expression) (generator_function)])]))
  (abstract_class_declaration body: (class_body [
    (method_definition name: (property_identifier) @definition.method)
    (abstract_method_signature name: (property_identifier) @definition.method)
    (public_field_definition name: (property_identifier) @definition.method
      value: [(arrow_function) (function_expression) (generator_function)])]))
  (export_statement declaration: [
    (class_declaration body: (class_body [
      (method_definition name: (property_identifier) @definition.method)
      (abstract_method_signature name: (property_identifier) @definition.method)
      (public_field_definition name: (property_identifier) @definition.method
        value: [(arrow_function) (function_expression) (generator_function)])]))
    (abstract_class_declaration body: (class_body [
      (method_definition name: (property_identifier) @definition.method)
      (abstract_method_signature name: (property_identifier) @definition.method)
      (public_field_definition name: (property_identifier) @definition.method
        value: [(arrow_function) (function_expression) (generator_function)])]))])])

(program [
  (interface_declaration name: (type_identifier) @definition.type)
  (type_alias_declaration name: (type_identifier) @definition.type)
  (enum_declaration name: (identifier) @definition.type)
  (export_statement declaration: [
    (interface_declaration name: (type_identifier) @definition.type)
    (type_alias_declaration name: (type_identifier) @definition.type)
    (enum_declaration name: (identifier) @definition.type)])])

(program [
  (interface_declaration body: (interface_body (method_signature name: (property_identifier) @definition.method)))
  (export_statement declaration: (interface_declaration
    body: (interface_body (method_signature name: (property_identifier) @definition.method))))])

; References: every identifier and type name, but those below.
(identifier) @reference
(type_identifier) @reference

; Names of nested definitions.
(function_declaration name: (identifier) @ignore)
(generator_function_declaration name: (identifier) @ignore)
(function_signature name: (identifier) @ignore)
(class_declaration name: (type_identifier) @ignore)
(abstract_class_declaration name: (type_identifier) @ignore)
(class name: (type_identifier) @ignore)
(interface_declaration name: (type_identifier) @ignore)
(type_alias_declaration name: (type_identifier) @ignore)
(enum_declaration name: (identifier) @ignore)

; Parameters (of functions and of types).
(required_parameter pattern: (identifier) @ignore)
(optional_parameter pattern: (identifier) @ignore)
(required_parameter pattern: (rest_pattern (identifier) @ignore))
(type_parameter name: (type_identifier) @ignore)
