; Python. Captures (see sparring/repo/syntax.py):
;   @definition.<kind>  the name of a module-level definition: class, def, or method (of a module-level class)
;   @reference          an identifier the file uses
;   @ignore             an identifier that names something rather than uses it
;   @call / @call.name  a call and the name it calls (f(...) or obj.f(...))

; Definitions: module-level classes and functions, and the methods of module-level classes,
; decorated or not (the name's line is the signature, not the decorator's).
(module (class_definition name: (identifier) @definition.class))
(module (decorated_definition definition: (class_definition name: (identifier) @definition.class)))
(module (function_definition name: (identifier) @definition.def))
(module (decorated_definition definition: (function_definition name: (identifier) @definition.def)))

(module (class_definition body: (block (function_definition name: (identifier) @definition.method))))
(module (class_definition body: (block (decorated_definition
  definition: (function_definition name: (identifier) @definition.method)))))
(module (decorated_definition definition: (class_definition body: (block
  (function_definition name: (identifier) @definition.method)))))
(module (decorated_definition definition: (class_definition body: (block (decorated_definition
  definition: (function_definition name: (identifier) @definition.method))))))

; References: every identifier (names, attributes, imported names) but those below.
(identifier) @reference

; Names of nested definitions.
(class_definition name: (identifier) @ignore)
(function_definition name: (identifier) @ignore)

; Parameters, of functions and lambdas.
(parameters (identifier) @ignore)
(lambda_parameters (identifier) @ignore)
(parameters (list_splat_pattern (identifier) @ignore))
(parameters (dictionary_splat_pattern (identifier) @ignore))
(lambda_parameters (list_splat_pattern (identifier) @ignore))
(lambda_parameters (dictionary_splat_pattern (identifier) @ignore))
(default_parameter name: (identifier) @ignore)
(typed_default_parameter name: (identifier) @ignore)
(typed_parameter . (identifier) @ignore)
(typed_parameter . (list_splat_pattern (identifier) @ignore))
(typed_parameter . (dictionary_splat_pattern (identifier) @ignore))

; Keyword arguments' names.
(keyword_argument name: (identifier) @ignore)

; Imports: the imported name counts (the last part of a dotted one), not the module it comes
; from nor the local alias.
(import_statement name: (dotted_name (identifier) @ignore . (identifier)))
(import_statement name: (aliased_import name: (dotted_name (identifier) @ignore . (identifier))))
(import_from_statement name: (dotted_name (identifier) @ignore . (identifier)))
(import_from_statement name: (aliased_import name: (dotted_name (identifier) @ignore . (identifier))))
(aliased_import alias: (identifier) @ignore)
(import_from_statement module_name: (dotted_name (identifier) @ignore))
(import_from_statement module_name: (relative_import (dotted_name (identifier) @ignore)))
(future_import_statement name: (dotted_name (identifier) @ignore . (identifier)))
(future_import_statement name: (aliased_import name: (dotted_name (identifier) @ignore . (identifier))))

; Names bound by except clauses, global and nonlocal statements.
(except_clause (as_pattern alias: (as_pattern_target (identifier) @ignore)))
(global_statement (identifier) @ignore)
(nonlocal_statement (identifier) @ignore)

; Capture patterns in match statements (a bare name binds; a dotted one is a value).
(case_pattern . (dotted_name . (identifier) @ignore .) .)
(keyword_pattern . (identifier) @ignore)
(keyword_pattern (dotted_name . (identifier) @ignore .) .)
(splat_pattern (identifier) @ignore)
(case_pattern (as_pattern (case_pattern) (identifier) @ignore))

; Calls.
(call function: (identifier) @call.name) @call
(call function: (attribute attribute: (identifier) @call.name)) @call
