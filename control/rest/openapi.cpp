// The OpenAPI 3 document of the REST API, written by hand and served as is at
// GET /api/v1/openapi.json. tests/unit/rest/openapi_test.cpp checks it against the routes the
// server registers (paths, methods, query parameters, token): a route added without its
// description here fails that test.
#include "control/rest/server.h"

namespace dpf::rest {

const char* openapi_json() {
  return R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "dpf REST API",
    "description": "The node's own API: status, statistics, pf states and rules, pfsync and CARP. It listens on the node's api.listen (the node's loopback by default). Requests that change the node need the bearer token of api.token_file. An unknown query parameter or a malformed value is answered 400; a path asked with a method it does not take is answered 405 with an Allow header.",
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
          "takes": {"type": "string", "description": "For a bad query: what the parameter takes."},
          "errors": {"type": "array", "items": {"type": "string"}, "description": "For a rejected ruleset: every error as FILE:LINE:COL: message."},
          "status": {"type": "integer"}
        }
      },
      "View": {"type": "object", "description": "The node's JSON view (see README, REST API).", "additionalProperties": true}
    },
    "parameters": {
      "host": {"name": "host", "in": "query", "schema": {"type": "string", "format": "ipv4"}, "description": "States with this IPv4 address at either end."},
      "id": {"name": "id", "in": "query", "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{1,16}$"}, "description": "The state with this id (hexadecimal)."},
      "creatorid": {"name": "creatorid", "in": "query", "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{1,8}$"}, "description": "With id: the state's creator id (hexadecimal)."},
      "proto": {"name": "proto", "in": "query", "schema": {"type": "string"}, "description": "States of this protocol: a name as pf.conf takes it (tcp, udp, icmp, carp, pfsync, ...) or a number 0..255."},
      "if": {"name": "if", "in": "query", "schema": {"type": "string", "minLength": 1, "maxLength": 15}, "description": "States on this interface (all: floating states)."}
    },
    "responses": {
      "View": {"description": "The node's view.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
      "BadRequest": {"description": "A bad query parameter, a bad body, or a request the node refused.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unauthorized": {"description": "Missing or wrong bearer token, or no token configured.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotAvailable": {"description": "Not available on this node (501), or the node could not answer (503).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooLarge": {"description": "The body is larger than api.max_body (413), or has no Content-Length (411).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "paths": {
    "/api/v1/status": {
      "get": {"summary": "The node: name, ports, uptime and what it runs.", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}}}
    },
    "/api/v1/stats": {
      "get": {"summary": "Packet, port and drop counters (drops by reason).", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}}}
    },
    "/api/v1/neighbors": {
      "get": {"summary": "The ARP table.", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}}}
    },
    "/api/v1/states": {
      "get": {
        "summary": "The state table (pfctl -s states), filtered and paged.",
        "parameters": [
          {"$ref": "#/components/parameters/host"},
          {"$ref": "#/components/parameters/id"},
          {"$ref": "#/components/parameters/creatorid"},
          {"$ref": "#/components/parameters/proto"},
          {"$ref": "#/components/parameters/if"},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}, "description": "Matching states to skip."},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 1000}, "description": "States to return at most (no more than 100000)."}
        ],
        "responses": {
          "200": {"description": "{\"total\": matching states, \"offset\": N, \"states\": [...]}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      },
      "delete": {
        "summary": "Kill states (pfctl -k) or flush them all (pfctl -F states). Give all=1, host[&host2], or id[&creatorid].",
        "security": [{"bearer": []}],
        "parameters": [
          {"name": "all", "in": "query", "schema": {"type": "string", "enum": ["1"]}, "description": "Flush every state."},
          {"name": "host", "in": "query", "schema": {"type": "string"}, "description": "Kill the states with this IPv4 address, or an address in this network (a.b.c.d/len), at either end (pfctl -k)."},
          {"name": "host2", "in": "query", "schema": {"type": "string"}, "description": "With host: only the states from host to this address or network."},
          {"$ref": "#/components/parameters/id"},
          {"$ref": "#/components/parameters/creatorid"},
          {"$ref": "#/components/parameters/proto"},
          {"$ref": "#/components/parameters/if"}
        ],
        "responses": {
          "200": {"description": "{\"killed\": N}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      }
    },
    "/api/v1/rules": {
      "get": {
        "summary": "The loaded ruleset: its file, its rules with their numbers and states, and its text.",
        "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "501": {"$ref": "#/components/responses/NotAvailable"}, "503": {"$ref": "#/components/responses/NotAvailable"}}
      },
      "post": {
        "summary": "Load a ruleset (pfctl -f). An empty body reloads the ruleset file of the cluster file.",
        "security": [{"bearer": []}],
        "requestBody": {
          "required": false,
          "description": "{\"file\": NAME, \"text\": RULESET}: the pf.conf text, and the name its errors are reported under (default <request>). An empty body reloads the cluster file's rules file.",
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": ["text"],
                "properties": {
                  "file": {"type": "string", "description": "The name errors are reported under (FILE:LINE:COL)."},
                  "text": {"type": "string", "description": "The ruleset, in pf.conf syntax."}
                }
              }
            }
          }
        },
        "responses": {
          "200": {"description": "{\"loaded\": true, \"generation\": N}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "411": {"$ref": "#/components/responses/TooLarge"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      }
    },
    "/api/v1/pf": {
      "get": {"summary": "pf's counters, timeouts and limits (pfctl -s info, -s timeouts, -s memory).", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "501": {"$ref": "#/components/responses/NotAvailable"}, "503": {"$ref": "#/components/responses/NotAvailable"}}}
    },
    "/api/v1/pfsync": {
      "get": {"summary": "pfsync's statistics and bulk update.", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "501": {"$ref": "#/components/responses/NotAvailable"}, "503": {"$ref": "#/components/responses/NotAvailable"}}}
    },
    "/api/v1/carp": {
      "get": {"summary": "CARP: preempt, demotion and each vhid's role.", "responses": {"200": {"$ref": "#/components/responses/View"}, "400": {"$ref": "#/components/responses/BadRequest"}, "501": {"$ref": "#/components/responses/NotAvailable"}, "503": {"$ref": "#/components/responses/NotAvailable"}}}
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
          "413": {"$ref": "#/components/responses/TooLarge"},
          "501": {"$ref": "#/components/responses/NotAvailable"},
          "503": {"$ref": "#/components/responses/NotAvailable"}
        }
      }
    },
    "/api/v1/openapi.json": {
      "get": {"summary": "This document.", "responses": {"200": {"description": "The OpenAPI 3 document.", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}
    },
    "/metrics": {
      "get": {"summary": "Prometheus metrics.", "responses": {"200": {"description": "Prometheus text format 0.0.4.", "content": {"text/plain": {"schema": {"type": "string"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}
    }
  }
}
)json";
}

}  // namespace dpf::rest
