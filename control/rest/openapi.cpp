// The OpenAPI 3 document of the REST API, written by hand and served as is at
// GET /api/v1/openapi.json. tests/unit/rest/openapi_test.cpp checks it against the routes the
// server registers (paths, methods, query parameters and their schemas, token, the error
// answers): a route added without its description here fails that test.
#include "control/rest/server.h"

namespace dpf::rest {

const char* openapi_json() {
  return R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "dpf REST API",
    "description": "The node's own API: status, statistics, pf states and rules, pfsync and CARP, and a status page at / that shows them. It listens on the node's api.listen (the node's loopback by default). Requests that change the node need the bearer token of api.token_file. Every error is a JSON object with an \"error\" text. A query parameter the route does not take, one given twice, a malformed or out-of-range value, or a parameter without the one it needs (or with one it excludes) is answered 400 naming the parameter. A path asked with a method it does not take is answered 405 with an Allow header; a path that is not a route, 404.",
    "version": "1"
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "The contents of the node's api.token_file. A node without a token_file refuses every change with 401."
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
          "error": {"type": "string", "description": "What was wrong, in words."},
          "parameter": {"type": "string", "description": "For a bad query: the parameter at fault."},
          "takes": {"type": "string", "description": "For a bad query: what the parameter takes (for an unknown parameter, the parameters the route takes)."},
          "status": {"type": "integer", "description": "For a path that is not a route: 404."}
        }
      },
      "RulesLoaded": {
        "type": "object",
        "required": ["loaded", "generation"],
        "properties": {
          "loaded": {"type": "boolean", "enum": [true]},
          "generation": {"type": "integer", "minimum": 0, "description": "The generation of the ruleset now in force."}
        }
      },
      "RulesRejected": {
        "type": "object",
        "required": ["error", "errors"],
        "properties": {
          "error": {"type": "string", "enum": ["the ruleset was rejected; the running one stays"]},
          "errors": {"type": "array", "items": {"type": "string"}, "description": "Every error, as FILE:LINE:COL: message (FILE is the body's \"file\", or the cluster file's rules file for a reload)."}
        }
      },
      "InOut": {
        "type": "object",
        "required": ["in", "out"],
        "properties": {
          "in": {"type": "integer", "minimum": 0, "description": "Of packets filtered in."},
          "out": {"type": "integer", "minimum": 0, "description": "Of packets filtered out."}
        }
      },
      "Rule": {
        "type": "object",
        "description": "One rule and its counters (pfctl -vsr). packets and bytes (IP total length) count the packets the rule passed or blocked and those that passed on states it created.",
        "required": ["nr", "text", "labels", "evaluations", "packets", "bytes", "states", "state_creations", "last_active"],
        "properties": {
          "nr": {"type": "integer", "minimum": 0, "description": "The rule's number (pfctl -vvsr's @N)."},
          "text": {"type": "string", "description": "The rule as pfctl -sr prints it."},
          "labels": {"type": "array", "items": {"type": "string"}, "description": "The rule's labels (pfctl -s labels)."},
          "evaluations": {"type": "integer", "minimum": 0, "description": "Rule evaluations that reached this rule in rule order: every evaluation not stopped earlier by a matching quick rule (pf's count without skip steps)."},
          "packets": {"$ref": "#/components/schemas/InOut"},
          "bytes": {"$ref": "#/components/schemas/InOut"},
          "states": {"type": "integer", "minimum": 0, "description": "States the rule created that are in the table."},
          "state_creations": {"type": "integer", "minimum": 0, "description": "States the rule created since the ruleset was loaded."},
          "last_active": {"type": "number", "nullable": true, "description": "Unix time of the last packet counted to the rule, to the second; null when none was."}
        }
      },
      "Rules": {
        "type": "object",
        "required": ["file", "rules", "text"],
        "description": "The loaded ruleset. Counters start at zero when a ruleset is loaded, as with pfctl -f. Without a ruleset: file and text empty, no rules.",
        "properties": {
          "file": {"type": "string", "description": "The file (or a request's name) the ruleset was loaded from."},
          "generation": {"type": "integer", "minimum": 1, "description": "Loads so far; the first ruleset is 1."},
          "inserted": {
            "type": "object",
            "required": ["uid", "pid"],
            "description": "Who inserted the rules (pfctl -vsr's Inserted line): the dpf process, which reads and loads every ruleset.",
            "properties": {"uid": {"type": "integer", "minimum": 0}, "pid": {"type": "integer", "minimum": 0}}
          },
          "rules": {"type": "array", "items": {"$ref": "#/components/schemas/Rule"}},
          "translations": {"type": "array", "items": {"$ref": "#/components/schemas/Translation"}, "description": "The translation rules (pfctl -s nat): the nat, then the rdr, then the binat rules, each kind in file order. Left out by a node that does not list them."},
          "text": {"type": "string", "description": "The ruleset as pfctl -sr prints it."}
        }
      },
      "Translation": {
        "type": "object",
        "description": "One translation rule (pfctl -s nat). dpf does not count translation rules: there are no counters.",
        "required": ["kind", "nr", "text"],
        "properties": {
          "kind": {"type": "string", "enum": ["nat", "rdr", "binat"], "description": "The translation ruleset the rule is in."},
          "nr": {"type": "integer", "minimum": 0, "description": "The rule's number within its kind (pfctl -vvsn's @N)."},
          "text": {"type": "string", "description": "The rule as pfctl -s nat prints it."}
        }
      },
      "View": {"type": "object", "description": "The node's JSON view (see README, REST API).", "additionalProperties": true}
    },
    "responses": {
      "View": {"description": "The node's view.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
      "BadRequest": {"description": "A bad query parameter, a bad body, or a request the node refused.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unauthorized": {"description": "Missing or wrong bearer token, or no token configured.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "The path is not one of this API's routes: {\"error\": \"no such endpoint\", \"status\": 404}.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "MethodNotAllowed": {
        "description": "The path does not take this method: {\"error\": \"PUT is not allowed on PATH; it takes GET, HEAD\"}.",
        "headers": {"Allow": {"description": "The methods the path takes (RFC 9110 §10.2.1).", "schema": {"type": "string"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "NotAvailable": {"description": "Not available on this node (501), or the node could not answer (503).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooLarge": {"description": "The body is larger than api.max_body (413), or has no Content-Length (411).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "paths": {
    "/api/v1/status": {
      "get": {"summary": "The node: name, ports, uptime and what it runs.", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}}}
    },
    "/api/v1/stats": {
      "get": {"summary": "Packet, port and drop counters (drops by reason).", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}}}
    },
    "/api/v1/neighbors": {
      "get": {"summary": "The ARP table.", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}}}
    },
    "/api/v1/states": {
      "get": {
        "summary": "The state table (pfctl -s states), filtered and paged. Filters combine (all must match).",
        "parameters": [
          {"name": "host", "in": "query", "schema": {"type": "string", "format": "ipv4"}, "description": "States with this IPv4 address at either end."},
          {"name": "id", "in": "query", "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{1,16}$"}, "description": "The state with this id (hexadecimal)."},
          {"name": "creatorid", "in": "query", "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{1,8}$"}, "description": "States created by the node with this creator id (hexadecimal)."},
          {"name": "proto", "in": "query", "schema": {"type": "string", "pattern": "^([a-z][a-z0-9-]*|[0-9]{1,3})$"}, "description": "States of this protocol: a name as pf.conf takes it (tcp, udp, icmp, carp, pfsync, ...) or a number 0..255."},
          {"name": "if", "in": "query", "schema": {"type": "string", "minLength": 1, "maxLength": 15}, "description": "States on this interface (all: floating states)."},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}, "description": "Matching states to skip."},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 1000}, "description": "States to return at most (limit=0: only the total)."}
        ],
        "responses": {
          "200": {"description": "{\"total\": matching states, \"offset\": N, \"states\": [...]}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      },
      "delete": {
        "summary": "Kill states (pfctl -k) or flush them all (pfctl -F states). Give one of all=1, host[&host2], or id[&creatorid][&proto][&if].",
        "security": [{"bearer": []}],
        "parameters": [
          {"name": "all", "in": "query", "schema": {"type": "string", "enum": ["1"]}, "description": "Flush every state. Takes no other parameter."},
          {"name": "host", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$"}, "description": "Kill the states with this IPv4 address, or an address in this network (a.b.c.d/len), at either end (pfctl -k)."},
          {"name": "host2", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$"}, "description": "With host: only the states from host to this address or network."},
          {"name": "id", "in": "query", "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{1,16}$"}, "description": "Kill the state with this id (hexadecimal). Not with host."},
          {"name": "creatorid", "in": "query", "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{1,8}$"}, "description": "With id: the state's creator id (hexadecimal)."},
          {"name": "proto", "in": "query", "schema": {"type": "string", "pattern": "^([a-z][a-z0-9-]*|[0-9]{1,3})$"}, "description": "With id: only if the state is of this protocol."},
          {"name": "if", "in": "query", "schema": {"type": "string", "minLength": 1, "maxLength": 15}, "description": "With id: only if the state is on this interface."}
        ],
        "responses": {
          "200": {"description": "{\"killed\": N}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      }
    },
    "/api/v1/rules": {
      "get": {
        "summary": "The loaded ruleset: its file, its rules with their numbers, labels and counters (pfctl -vsr), its translation rules (pfctl -s nat), and its text.",
        "responses": {"200": {"description": "The ruleset.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rules"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}, "501": {"$ref": "#/components/responses/NotAvailable"}, "503": {"$ref": "#/components/responses/NotAvailable"}}
      },
      "post": {
        "summary": "Load a ruleset (pfctl -f), or with an empty body reload the cluster file's rules file. A rejected ruleset leaves the running one in force.",
        "security": [{"bearer": []}],
        "requestBody": {
          "required": false,
          "description": "{\"file\": NAME, \"text\": RULESET}: the pf.conf text, and the name its errors are reported under (default \"<request>\"). No body (Content-Length: 0) reloads the rules file named in the cluster file.",
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": ["text"],
                "properties": {
                  "file": {"type": "string", "default": "<request>", "description": "The name errors are reported under (FILE:LINE:COL)."},
                  "text": {"type": "string", "description": "The ruleset, in pf.conf syntax."}
                }
              }
            }
          }
        },
        "responses": {
          "200": {"description": "The ruleset is in force.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RulesLoaded"}}}},
          "400": {
            "description": "The ruleset was rejected (every error, as FILE:LINE:COL: message; the running ruleset stays), the body is not {\"file\": NAME, \"text\": RULESET}, or the query is bad.",
            "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/RulesRejected"}, {"$ref": "#/components/schemas/Error"}]}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "411": {"$ref": "#/components/responses/TooLarge"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      }
    },
    "/api/v1/sources": {
      "get": {
        "summary": "The source-tracking nodes (pfctl -s Sources): per source address (and tracking rule), its states, established connections and connection rate.",
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 1000}, "description": "Source nodes to return at most (limit=0: only the total)."}
        ],
        "responses": {
          "200": {"description": "{\"total\": source nodes, \"sources\": [{\"addr\", \"raddr\", \"rule\", \"states\", \"conn\", \"conn_rate\": {\"count\", \"seconds\"}, \"age\", \"expires_in\", \"packets\", \"bytes\"}]}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      },
      "delete": {
        "summary": "Kill source nodes (pfctl -K): those of host (an address or a network), and with host2 only those whose raddr (0.0.0.0 in dpf) is in host2. Their states stay, without a source node.",
        "security": [{"bearer": []}],
        "parameters": [
          {"name": "host", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$"}, "description": "Kill the source nodes of this IPv4 address, or of an address in this network (a.b.c.d/len)."},
          {"name": "host2", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$"}, "description": "With host: only the nodes whose raddr is this address or in this network."}
        ],
        "responses": {
          "200": {"description": "{\"killed\": N}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      }
    },
    "/api/v1/tables": {
      "get": {
        "summary": "pf's tables (pfctl -s Tables): those the ruleset defines and the overload tables, with their flags and entry counts (defined entries plus the hosts overload added).",
        "parameters": [
          {"name": "entries", "in": "query", "schema": {"type": "string", "enum": ["1"]}, "description": "List each table's entries too (the first 1000 of each)."}
        ],
        "responses": {
          "200": {"description": "{\"tables\": [{\"name\", \"defined\", \"persist\", \"const\", \"counters\", \"referenced\", \"active\", \"count\", \"runtime\", \"entries\"}]}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      }
    },
    "/api/v1/routes": {
      "get": {"summary": "The node's routing table: the connected routes of its interfaces and the cluster file's routes, each with its gateway (null: on link) and interface.", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}, "501": {"$ref": "#/components/responses/NotAvailable"}, "503": {"$ref": "#/components/responses/NotAvailable"}}}
    },
    "/api/v1/pf": {
      "get": {"summary": "pf's counters (with the limit counters), timeouts, limits, source tracking and tables (pfctl -s info, -s timeouts, -s memory, -s Tables).", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}, "501": {"$ref": "#/components/responses/NotAvailable"}, "503": {"$ref": "#/components/responses/NotAvailable"}}}
    },
    "/api/v1/pfsync": {
      "get": {"summary": "pfsync's statistics and bulk update.", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}, "501": {"$ref": "#/components/responses/NotAvailable"}, "503": {"$ref": "#/components/responses/NotAvailable"}}}
    },
    "/api/v1/carp": {
      "get": {"summary": "CARP: preempt, demotion and each vhid's role.", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}, "501": {"$ref": "#/components/responses/NotAvailable"}, "503": {"$ref": "#/components/responses/NotAvailable"}}}
    },
    "/api/v1/carp/demote": {
      "post": {
        "summary": "Change the node's CARP demotion counter by N (ifconfig -g carp carpdemote N).",
        "security": [{"bearer": []}],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": ["demotion"],
                "properties": {"demotion": {"type": "integer", "minimum": -240, "maximum": 240, "description": "Added to the demotion counter."}}
              }
            }
          }
        },
        "responses": {
          "200": {"description": "The carp view after the change.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "411": {"$ref": "#/components/responses/TooLarge"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      }
    },
    "/api/v1/openapi.json": {
      "get": {"summary": "This document.", "responses": {"200": {"description": "The OpenAPI 3 document.", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}}}
    },
    "/": {
      "get": {"summary": "The status page: the node, CARP roles, pfsync, states, packets per second per port and drops by reason, read from the GET routes of this API every second. Read-only; it needs no token.", "responses": {"200": {"description": "The page, one HTML document with its style and script inline.", "headers": {"Content-Security-Policy": {"description": "Allows only the page's own inline style and script (by their SHA-256) and requests to this node.", "schema": {"type": "string"}}}, "content": {"text/html": {"schema": {"type": "string"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}}}
    },
    "/metrics": {
      "get": {"summary": "Prometheus metrics.", "responses": {"200": {"description": "Prometheus text format 0.0.4.", "content": {"text/plain": {"schema": {"type": "string"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "405": {"$ref": "#/components/responses/MethodNotAllowed"}}}
    }
  }
}
)json";
}

}  // namespace dpf::rest
