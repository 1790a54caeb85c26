; JavaScript (and JSX), read after ecmascript.scm. Captures (see sparring/repo/syntax.py):
;   @definition.<kind>  the name of a module-level definition: class, def, or method (of a module-level class)
;   @reference          an identifier the file uses
;   @ignore             an identifier that names something rather than uses it
;   @call / @call.name  a call and the name it calls (f(...), obj.f(...), new F(...))

; Definitions: module-level declared functions, classes and their methods (a field holding a
; function is one), exported or not.
(program [
  (function_declaration name: (identifier) @definition.def)
  (generator_function_declaration name: (identifier) @definition.def)
  (export_statement declaration: [
    (function_declaration name: (identifier) @definition.def)
    (generator_function_declaration name: (identifier) @definition.def)])])

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

; References: every identifier, but those below.
(identifier) @reference

; Names of nested definitions.
(function_declaration name: (identifier) @ignore)
(generator_function_declaration name: (identifier) @ignore)
(class_declaration name: (identifier) @ignore)
(class name: (identifier) @ignore)

; Parameters.
(formal_parameters (identifier) @ignore)
(formal_parameters (assignment_pattern left: (identifier) @ignore))
(formal_parameters (rest_pattern (identifier) @ignore))
