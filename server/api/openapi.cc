// The OpenAPI 3.1 description of the fleet API, served at /openapi.json.
// docs/formats/fleet-api.md is the specification in prose; this is the same
// for tools (client generators, API explorers). openapi_test.cc keeps its
// "paths" equal to the routes FleetApi::Register adds and checks the
// answers of the API tests against its schemas, so it cannot drift from
// the code unnoticed.
//
// Conventions: every request and response object lists all its fields with
// "additionalProperties": false (the parsers refuse unknown fields); each
// operation names its security scheme (deviceToken, enrollmentToken,
// adminToken) and, for the admin API, the least role in its description.
#include "server/api/fleet_api.h"

namespace bsi::server {

std::string_view OpenApiDocument() {
  static constexpr std::string_view kDocument = R"json({
 "openapi":"3.1.0",
 "info":{
  "title":"bsi-server fleet API",
  "version":"1",
  "description":"The fleet manager of bsi-server: device enrollment, declarations and status reports; the admin API for devices, groups, approvals, safe-mode holds, rollout progress, CVE exposure and tokens. Every request body is JSON (Content-Type: application/json) of at most 64 KiB, parsed strictly: unknown fields, wrong types and out-of-range values are refused with 400. Errors have the body {\"error\":{\"code\",\"message\"}}. Specification: docs/formats/fleet-api.md."
 },
 "servers":[{"url":"/"}],
 "tags":[
  {"name":"device","description":"Called by bsi-agent with an enrollment or device token"},
  {
   "name":"admin",
   "description":"Called by people and tools with an admin token (roles viewer < operator < admin)"
  },
  {"name":"operations","description":"Health, metrics and this document; no authentication"}
 ],
 "paths":{
  "/healthz":{
   "get":{
    "operationId":"health",
    "summary":"Liveness and database check",
    "description":"Answers 200 when the database answers. No authentication.",
    "tags":["operations"],
    "security":[],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Health"}}}
     },
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/metrics":{
   "get":{
    "operationId":"metrics",
    "summary":"Prometheus metrics",
    "description":"Prometheus text format 0.0.4: bsi_fleet_devices, bsi_fleet_devices_by_state{state}, bsi_fleet_groups, bsi_fleet_holds_active, bsi_fleet_report_events, bsi_fleet_reports_total{outcome}, bsi_fleet_ingest_batches_total, and the HTTP layer's bsi_http_* counters. No authentication.",
    "tags":["operations"],
    "security":[],
    "responses":{
     "200":{"description":"OK","content":{"text/plain":{"schema":{"type":"string"}}}},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/openapi.json":{
   "get":{
    "operationId":"openapi",
    "summary":"This document",
    "description":"No authentication.",
    "tags":["operations"],
    "security":[],
    "responses":{
     "200":{"description":"OK","content":{"application/json":{"schema":{"type":"object"}}}}
    }
   }
  },
  "/api/v1/enroll":{
   "post":{
    "operationId":"enroll",
    "summary":"Enroll a device",
    "description":"Authorized by an enrollment token (Authorization: Bearer bsie_...): checks it is known, not expired and has uses left, takes one use, and creates the device in the token's group. A device id that exists is re-enrolled: it gets a new token (the old one stops working) and keeps its group and history.",
    "tags":["device"],
    "security":[{"enrollmentToken":[]}],
    "requestBody":{
     "required":true,
     "content":{"application/json":{"schema":{"$ref":"#/components/schemas/EnrollRequest"}}}
    },
    "responses":{
     "201":{
      "description":"Enrolled",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/EnrollResponse"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "413":{"$ref":"#/components/responses/TooLarge"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/device/declarations":{
   "get":{
    "operationId":"getDeclarations",
    "summary":"The device group's declarations",
    "description":"For the device whose token is presented. The ETag is a strong validator of the body's bytes; with If-None-Match naming it the answer is 304 without a body. Approvals, holds and group settings change it; so does moving the device to another group.",
    "tags":["device"],
    "security":[{"deviceToken":[]}],
    "parameters":[
     {
      "name":"If-None-Match",
      "in":"header",
      "required":false,
      "description":"ETags from earlier answers (\"*\" and W/ are accepted)",
      "schema":{"type":"string"}
     }
    ],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Declarations"}}},
      "headers":{
       "ETag":{"schema":{"type":"string"},"description":"a strong validator of the body"},
       "Cache-Control":{"schema":{"type":"string"},"description":"no-cache, private"}
      }
     },
     "304":{
      "description":"Not modified: the declarations are those of the ETag given",
      "headers":{"ETag":{"schema":{"type":"string"}}}
     },
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/device/reports":{
   "post":{
    "operationId":"postReport",
    "summary":"Send a status report",
    "description":"Stores the report for the device whose token is presented (the device is never taken from the body). Answered once the report is committed: 202 stored, or 200 when this device already sent this report_id (nothing changes).",
    "tags":["device"],
    "security":[{"deviceToken":[]}],
    "parameters":[
     {
      "name":"Idempotency-Key",
      "in":"header",
      "required":false,
      "description":"if given, must equal the body's report_id (else 400)",
      "schema":{"type":"string"}
     }
    ],
    "requestBody":{
     "required":true,
     "content":{"application/json":{"schema":{"$ref":"#/components/schemas/StatusReport"}}}
    },
    "responses":{
     "202":{
      "description":"Stored ({\"status\":\"stored\"})",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/ReportAccepted"}}}
     },
     "200":{
      "description":"Already stored ({\"status\":\"duplicate\"})",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/ReportAccepted"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "413":{"$ref":"#/components/responses/TooLarge"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/whoami":{
   "get":{
    "operationId":"whoami",
    "summary":"The admin token presented",
    "description":"Role: viewer or higher.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/WhoAmI"}}}
     },
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/devices":{
   "get":{
    "operationId":"listDevices",
    "summary":"List devices",
    "description":"Ordered by id; page with after= and next_after. Role: viewer or higher.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "parameters":[
     {
      "name":"group",
      "in":"query",
      "required":false,
      "description":"only devices of this group",
      "schema":{"type":"string"}
     },
     {
      "name":"after",
      "in":"query",
      "required":false,
      "description":"only ids greater than this (the previous page's next_after)",
      "schema":{"type":"string"}
     },
     {
      "name":"limit",
      "in":"query",
      "required":false,
      "description":"page size",
      "schema":{"type":"integer","minimum":1,"maximum":1000,"default":100}
     }
    ],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/DeviceList"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/devices/{id}":{
   "get":{
    "operationId":"getDevice",
    "summary":"One device, with its last report's details and its report history",
    "description":"Role: viewer or higher.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "parameters":[
     {"$ref":"#/components/parameters/DeviceId"},
     {
      "name":"events",
      "in":"query",
      "required":false,
      "description":"how many stored reports to include, newest first",
      "schema":{"type":"integer","minimum":0,"maximum":1000,"default":20}
     }
    ],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/DeviceDetail"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/devices/{id}/group":{
   "put":{
    "operationId":"moveDevice",
    "summary":"Move a device to another group",
    "description":"The group must exist. Role: operator or admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "parameters":[{"$ref":"#/components/parameters/DeviceId"}],
    "requestBody":{
     "required":true,
     "content":{"application/json":{"schema":{"$ref":"#/components/schemas/MoveDevice"}}}
    },
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/DeviceGroup"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "413":{"$ref":"#/components/responses/TooLarge"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/groups":{
   "get":{
    "operationId":"listGroups",
    "summary":"List groups",
    "description":"Role: viewer or higher.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/GroupList"}}}
     },
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/groups/{name}":{
   "parameters":[{"$ref":"#/components/parameters/GroupName"}],
   "get":{
    "operationId":"getGroup",
    "summary":"One group, with the declarations its devices get",
    "description":"Role: viewer or higher.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/GroupDetail"}}}
     },
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   },
   "put":{
    "operationId":"putGroup",
    "summary":"Create or replace a group",
    "description":"Fields left out take their defaults. Role: admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "requestBody":{
     "required":true,
     "content":{"application/json":{"schema":{"$ref":"#/components/schemas/GroupSettings"}}}
    },
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Group"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "413":{"$ref":"#/components/responses/TooLarge"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   },
   "delete":{
    "operationId":"removeGroup",
    "summary":"Remove a group",
    "description":"Refused (409) while devices or enrollment tokens use it, and always for \"default\". Role: admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "responses":{
     "204":{"description":"Done; no body."},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "409":{"$ref":"#/components/responses/Conflict"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/groups/{name}/approvals/{improvement}":{
   "parameters":[
    {"$ref":"#/components/parameters/GroupName"},
    {"$ref":"#/components/parameters/Improvement"}
   ],
   "put":{
    "operationId":"approve",
    "summary":"Approve an improvement for a group",
    "description":"No body. Idempotent. Role: operator or admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Approval"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   },
   "delete":{
    "operationId":"unapprove",
    "summary":"Withdraw an approval",
    "description":"Idempotent. Role: operator or admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Approval"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/holds":{
   "get":{
    "operationId":"listHolds",
    "summary":"Safe-mode holds",
    "description":"Active holds; with all=true also cleared ones. Role: viewer or higher.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "parameters":[
     {
      "name":"all",
      "in":"query",
      "required":false,
      "description":"true: include cleared holds",
      "schema":{"type":"string","enum":["true","false"]}
     }
    ],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/HoldList"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/groups/{name}/holds/{improvement}":{
   "delete":{
    "operationId":"clearHold",
    "summary":"Clear a safe-mode hold",
    "description":"The improvement leaves the group's held list; safe mode may hold it again on new failure reports. Role: operator or admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "parameters":[
     {"$ref":"#/components/parameters/GroupName"},
     {"$ref":"#/components/parameters/Improvement"}
    ],
    "responses":{
     "204":{"description":"Done; no body."},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/improvements":{
   "get":{
    "operationId":"listImprovements",
    "summary":"Improvements the fleet knows",
    "description":"From the repository the server serves, and from devices' reports until the repository names them. Role: viewer or higher.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/ImprovementList"}}}
     },
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/improvements/{id}/progress":{
   "get":{
    "operationId":"progress",
    "summary":"Rollout progress of an improvement, per group",
    "description":"Every group (or only the one asked for), by name; 404 for an unknown improvement or group. Role: viewer or higher.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "parameters":[
     {
      "name":"id",
      "in":"path",
      "required":true,
      "description":"the improvement id, percent-encoded",
      "schema":{"$ref":"#/components/schemas/ImprovementId"}
     },
     {
      "name":"group",
      "in":"query",
      "required":false,
      "description":"only this group",
      "schema":{"type":"string"}
     }
    ],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Progress"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/exposure":{
   "get":{
    "operationId":"exposure",
    "summary":"Devices still exposed to a CVE, with why",
    "description":"Role: viewer or higher.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "parameters":[
     {
      "name":"cve",
      "in":"query",
      "required":true,
      "description":"the CVE id",
      "schema":{"$ref":"#/components/schemas/CveId"}
     },
     {
      "name":"limit",
      "in":"query",
      "required":false,
      "description":"how many devices to list (the counts cover all)",
      "schema":{"type":"integer","minimum":0,"maximum":100000,"default":1000}
     },
     {
      "name":"after",
      "in":"query",
      "required":false,
      "description":"list only devices whose id sorts after this (the previous page's next_after)",
      "schema":{"type":"string"}
     }
    ],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Exposure"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/enrollment-tokens":{
   "get":{
    "operationId":"listEnrollmentTokens",
    "summary":"List enrollment tokens",
    "description":"Secrets are never shown again. Role: admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/EnrollmentTokenList"}}}
     },
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   },
   "post":{
    "operationId":"createEnrollmentToken",
    "summary":"Create an enrollment token",
    "description":"The secret is in the answer, once. Role: admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "requestBody":{
     "required":true,
     "content":{
      "application/json":{"schema":{"$ref":"#/components/schemas/EnrollmentTokenRequest"}}
     }
    },
    "responses":{
     "201":{
      "description":"Created",
      "content":{
       "application/json":{"schema":{"$ref":"#/components/schemas/EnrollmentTokenCreated"}}
      }
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "409":{"$ref":"#/components/responses/Conflict"},
     "413":{"$ref":"#/components/responses/TooLarge"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/enrollment-tokens/{name}":{
   "delete":{
    "operationId":"removeEnrollmentToken",
    "summary":"Remove an enrollment token",
    "description":"Devices enrolled with it keep their own tokens. Role: admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "parameters":[{"$ref":"#/components/parameters/TokenName"}],
    "responses":{
     "204":{"description":"Done; no body."},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/admin-tokens":{
   "get":{
    "operationId":"listAdminTokens",
    "summary":"List admin tokens",
    "description":"Secrets are never shown again. Role: admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "responses":{
     "200":{
      "description":"OK",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/AdminTokenList"}}}
     },
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   },
   "post":{
    "operationId":"createAdminToken",
    "summary":"Create an admin token",
    "description":"The secret is in the answer, once. Role: admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "requestBody":{
     "required":true,
     "content":{"application/json":{"schema":{"$ref":"#/components/schemas/AdminTokenRequest"}}}
    },
    "responses":{
     "201":{
      "description":"Created",
      "content":{"application/json":{"schema":{"$ref":"#/components/schemas/AdminTokenCreated"}}}
     },
     "400":{"$ref":"#/components/responses/BadRequest"},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "409":{"$ref":"#/components/responses/Conflict"},
     "413":{"$ref":"#/components/responses/TooLarge"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  },
  "/api/v1/admin-tokens/{name}":{
   "delete":{
    "operationId":"removeAdminToken",
    "summary":"Remove an admin token",
    "description":"A token cannot remove itself (409). Role: admin.",
    "tags":["admin"],
    "security":[{"adminToken":[]}],
    "parameters":[{"$ref":"#/components/parameters/TokenName"}],
    "responses":{
     "204":{"description":"Done; no body."},
     "401":{"$ref":"#/components/responses/Unauthenticated"},
     "403":{"$ref":"#/components/responses/Forbidden"},
     "404":{"$ref":"#/components/responses/NotFound"},
     "409":{"$ref":"#/components/responses/Conflict"},
     "500":{"$ref":"#/components/responses/Internal"},
     "503":{"$ref":"#/components/responses/Unavailable"}
    }
   }
  }
 },
 "components":{
  "securitySchemes":{
   "deviceToken":{
    "type":"http",
    "scheme":"bearer",
    "description":"A device's token (bsid_...), from POST /api/v1/enroll. Reaches only that device's declarations and reports."
   },
   "enrollmentToken":{
    "type":"http",
    "scheme":"bearer",
    "description":"An enrollment token (bsie_...), made by an admin; valid until it expires or its uses run out."
   },
   "adminToken":{
    "type":"http",
    "scheme":"bearer",
    "description":"An admin token (bsia_...) with a role: viewer (every GET of the admin API), operator (+ approvals, holds, moving devices), admin (+ groups' settings, tokens)."
   }
  },
  "parameters":{
   "DeviceId":{
    "name":"id",
    "in":"path",
    "required":true,
    "description":"the device id",
    "schema":{"$ref":"#/components/schemas/Identifier"}
   },
   "GroupName":{
    "name":"name",
    "in":"path",
    "required":true,
    "description":"the group's name",
    "schema":{"$ref":"#/components/schemas/Identifier"}
   },
   "Improvement":{
    "name":"improvement",
    "in":"path",
    "required":true,
    "description":"an improvement id, percent-encoded (acme-os%2026.3.1%20(a))",
    "schema":{"$ref":"#/components/schemas/ImprovementId"}
   },
   "TokenName":{
    "name":"name",
    "in":"path",
    "required":true,
    "description":"the token's name",
    "schema":{"$ref":"#/components/schemas/Identifier"}
   }
  },
  "responses":{
   "BadRequest":{
    "description":"The request is malformed: the body is not JSON, or not of Content-Type application/json, or does not match the schema (unknown or missing field, wrong type, out of range); or a query parameter is unknown, repeated or out of range; or a path segment is badly escaped. Codes: malformed, invalid_argument, bad_path.",
    "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}
   },
   "Unauthenticated":{
    "description":"No bearer token, or a token that is unknown for this API (code unauthenticated).",
    "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}},
    "headers":{"WWW-Authenticate":{"description":"Bearer","schema":{"type":"string"}}}
   },
   "Forbidden":{
    "description":"The admin token's role is too low for this operation (code permission_denied).",
    "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}
   },
   "NotFound":{
    "description":"No such record (code no_such_record).",
    "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}
   },
   "Conflict":{
    "description":"The change contradicts what is stored (code conflict).",
    "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}
   },
   "TooLarge":{
    "description":"The body is larger than 64 KiB (code body_too_large); the connection is closed.",
    "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}
   },
   "Unavailable":{
    "description":"The database cannot be reached, the server is shutting down, or too many reports wait (code database_unavailable). Retry after Retry-After seconds.",
    "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}},
    "headers":{
     "Retry-After":{"description":"seconds to wait before retrying","schema":{"type":"integer"}}
    }
   },
   "Internal":{
    "description":"A database or server failure (codes database, internal).",
    "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}
   }
  },
  "schemas":{
   "Time":{
    "type":"string",
    "format":"date-time",
    "pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
    "description":"UTC, exactly YYYY-MM-DDTHH:MM:SSZ"
   },
   "Identifier":{
    "type":"string",
    "minLength":1,
    "maxLength":128,
    "pattern":"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
    "description":"1 to 128 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit"
   },
   "CveId":{
    "type":"string",
    "pattern":"^CVE-[0-9]{4}-[0-9]{4,19}$",
    "description":"CVE-, a 4-digit year, -, 4 to 19 digits"
   },
   "ImprovementId":{
    "type":"string",
    "minLength":1,
    "maxLength":200,
    "pattern":"^[ -~]+$",
    "description":"printable ASCII, e.g. \"acme-os 26.3.1 (a)\""
   },
   "ProductName":{
    "type":"string",
    "minLength":1,
    "maxLength":64,
    "pattern":"^[a-z0-9][a-z0-9._-]*$",
    "description":"1 to 64 characters of a-z 0-9 . _ -, starting with a letter or digit"
   },
   "Version":{
    "type":"string",
    "minLength":1,
    "maxLength":64,
    "pattern":"^[A-Za-z0-9][A-Za-z0-9._+~-]*$",
    "description":"1 to 64 characters of A-Z a-z 0-9 . _ + ~ -, starting with a letter or digit"
   },
   "Role":{
    "type":"string",
    "enum":["viewer","operator","admin"],
    "description":"viewer < operator < admin"
   },
   "Error":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "error":{
      "type":"object",
      "additionalProperties":false,
      "properties":{
       "code":{
        "type":"string",
        "description":"the error's stable name (docs/errors.md), or one of the HTTP layer's: not_found, method_not_allowed, bad_path, bad_request, body_too_large, header_too_large, internal"
       },
       "message":{"type":"string","description":"what went wrong, for people"}
      },
      "required":["code","message"]
     }
    },
    "required":["error"],
    "description":"Every error response's body."
   },
   "EnrollRequest":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "format":{"type":"integer","description":"always 1","const":1},
     "device_id":{"$ref":"#/components/schemas/Identifier"},
     "product":{"$ref":"#/components/schemas/ProductName"},
     "base_version":{"$ref":"#/components/schemas/Version"},
     "hostname":{
      "type":"string",
      "description":"free text: at most 255 bytes, no control characters; may be empty",
      "maxLength":255
     }
    },
    "required":["format","device_id","product","base_version","hostname"]
   },
   "EnrollResponse":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "format":{"type":"integer","description":"always 1","const":1},
     "device_id":{"$ref":"#/components/schemas/Identifier"},
     "device_token":{
      "type":"string",
      "description":"the device's credential from now on (\"bsid_\" and 64 hex digits); shown once"
     },
     "group":{"$ref":"#/components/schemas/Identifier"}
    },
    "required":["format","device_id","device_token","group"]
   },
   "MaintenanceWindow":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "start":{
      "type":"string",
      "description":"start of the daily window, UTC, HH:MM",
      "pattern":"^([01][0-9]|2[0-3]):[0-5][0-9]$"
     },
     "length_minutes":{"type":"integer","minimum":1,"maximum":1440}
    },
    "required":["start","length_minutes"],
    "description":"A daily window (UTC) in which units may be restarted."
   },
   "AutoInstallMode":{
    "type":"string",
    "enum":["allowed","always_on","always_off"],
    "description":"allowed: the user's toggle decides; always_on / always_off lock it"
   },
   "Declarations":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "format":{"type":"integer","description":"always 1","const":1},
     "group":{"$ref":"#/components/schemas/Identifier"},
     "auto_install":{"$ref":"#/components/schemas/AutoInstallMode"},
     "deferral_days":{
      "type":"integer",
      "description":"days an improvement waits after its publication",
      "minimum":0,
      "maximum":90
     },
     "approval_required":{
      "type":"boolean",
      "description":"install only improvements listed in approved"
     },
     "approved":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/ImprovementId"},
      "description":"approved improvement ids, sorted, unique",
      "maxItems":4096,
      "uniqueItems":true
     },
     "held":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/ImprovementId"},
      "description":"improvement ids held back by safe mode, sorted, unique; devices do not install them",
      "maxItems":4096,
      "uniqueItems":true
     },
     "maintenance_window":{
      "oneOf":[{"$ref":"#/components/schemas/MaintenanceWindow"},{"type":"null"}]
     }
    },
    "required":[
     "format",
     "group",
     "auto_install",
     "deferral_days",
     "approval_required",
     "approved",
     "held",
     "maintenance_window"
    ],
    "description":"The fleet admin's policy for a group, as its devices pull it."
   },
   "ComponentVersion":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/ProductName"},
     "version":{"$ref":"#/components/schemas/Version"}
    },
    "required":["name","version"]
   },
   "ImprovementState":{
    "type":"string",
    "enum":[
     "installed",
     "available",
     "pending",
     "failed",
     "rolled_back",
     "withdrawn",
     "superseded",
     "removed"
    ]
   },
   "WaitReason":{
    "type":"string",
    "enum":[
     "none",
     "auto_install_off",
     "deferred",
     "awaiting_approval",
     "held",
     "rollout_paused",
     "not_in_wave_yet",
     "maintenance_window"
    ]
   },
   "InstallState":{
    "type":"string",
    "enum":["up_to_date","installed","waiting","failed","rolled_back","removed","error"]
   },
   "ImprovementStatus":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "id":{"$ref":"#/components/schemas/ImprovementId"},
     "letter":{"type":"string","description":"1 to 8 lowercase letters","pattern":"^[a-z]{1,8}$"},
     "state":{"$ref":"#/components/schemas/ImprovementState"},
     "reason":{"$ref":"#/components/schemas/WaitReason"},
     "not_before":{"oneOf":[{"$ref":"#/components/schemas/Time"},{"type":"null"}]},
     "detail":{
      "type":"string",
      "description":"failure reason etc.: at most 1024 bytes, no control characters",
      "maxLength":1024
     },
     "cves":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/CveId"},
      "description":"CVE ids it fixes; unique",
      "maxItems":512,
      "uniqueItems":true
     }
    },
    "required":["id","letter","state","reason","not_before","detail","cves"]
   },
   "StatusReport":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "format":{"type":"integer","description":"always 1","const":1},
     "report_id":{
      "type":"string",
      "description":"the idempotency key: made once per report, resent unchanged until acknowledged",
      "minLength":16,
      "maxLength":64,
      "pattern":"^[A-Za-z0-9_-]+$"
     },
     "time":{"$ref":"#/components/schemas/Time"},
     "product":{"$ref":"#/components/schemas/ProductName"},
     "base_version":{"$ref":"#/components/schemas/Version"},
     "running":{
      "oneOf":[{"$ref":"#/components/schemas/ImprovementId"},{"type":"null"}],
      "description":"the improvement running; null: the base"
     },
     "components":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/ComponentVersion"},
      "description":"component names unique",
      "maxItems":64
     },
     "cves_fixed":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/CveId"},
      "description":"CVEs fixed by what runs now; unique",
      "maxItems":512,
      "uniqueItems":true
     },
     "auto_install":{"type":"boolean","description":"the effective toggle, after any lock"},
     "install_state":{"$ref":"#/components/schemas/InstallState"},
     "install_reason":{
      "type":"string",
      "description":"why the last change happened: at most 256 bytes, no control characters",
      "maxLength":256
     },
     "failure":{
      "type":"string",
      "description":"the last failure: at most 1024 bytes, no control characters; empty: none",
      "maxLength":1024
     },
     "improvements":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/ImprovementStatus"},
      "description":"ids unique",
      "maxItems":64
     },
     "agent_version":{
      "type":"string",
      "description":"at most 64 bytes, no control characters",
      "maxLength":64
     }
    },
    "required":[
     "format",
     "report_id",
     "time",
     "product",
     "base_version",
     "running",
     "components",
     "cves_fixed",
     "auto_install",
     "install_state",
     "install_reason",
     "failure",
     "improvements",
     "agent_version"
    ],
    "description":"What the agent tells the server. The device is the one whose token sent it, never a field."
   },
   "ReportAccepted":{
    "type":"object",
    "additionalProperties":false,
    "properties":{"status":{"type":"string","enum":["stored","duplicate"]}},
    "required":["status"]
   },
   "Device":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "id":{"$ref":"#/components/schemas/Identifier"},
     "group":{"$ref":"#/components/schemas/Identifier"},
     "product":{"type":"string"},
     "base_version":{"type":"string"},
     "hostname":{"type":"string"},
     "running":{"type":["string","null"],"description":"improvement id; null: the base"},
     "auto_install":{"type":"boolean"},
     "install_state":{
      "oneOf":[{"$ref":"#/components/schemas/InstallState"},{"type":"null"}],
      "description":"null: never reported"
     },
     "failure":{"type":"string"},
     "enrolled":{"$ref":"#/components/schemas/Time"},
     "last_report":{"oneOf":[{"$ref":"#/components/schemas/Time"},{"type":"null"}]}
    },
    "required":[
     "id",
     "group",
     "product",
     "base_version",
     "hostname",
     "running",
     "auto_install",
     "install_state",
     "failure",
     "enrolled",
     "last_report"
    ]
   },
   "DeviceList":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "devices":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/Device"},
      "description":"ordered by id"
     },
     "next_after":{
      "type":["string","null"],
      "description":"when the page is full: the last id, to pass as after=; otherwise null"
     }
    },
    "required":["devices","next_after"]
   },
   "DeviceEvent":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "seq":{"type":"integer"},
     "report_id":{"type":"string"},
     "time":{"$ref":"#/components/schemas/Time"},
     "received":{"$ref":"#/components/schemas/Time"},
     "report":{
      "description":"the report as received",
      "oneOf":[{"$ref":"#/components/schemas/StatusReport"},{"type":"null"}]
     }
    },
    "required":["seq","report_id","time","received","report"]
   },
   "DeviceDetail":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "id":{"$ref":"#/components/schemas/Identifier"},
     "group":{"$ref":"#/components/schemas/Identifier"},
     "product":{"type":"string"},
     "base_version":{"type":"string"},
     "hostname":{"type":"string"},
     "running":{"type":["string","null"],"description":"improvement id; null: the base"},
     "auto_install":{"type":"boolean"},
     "install_state":{
      "oneOf":[{"$ref":"#/components/schemas/InstallState"},{"type":"null"}],
      "description":"null: never reported"
     },
     "failure":{"type":"string"},
     "enrolled":{"$ref":"#/components/schemas/Time"},
     "last_report":{"oneOf":[{"$ref":"#/components/schemas/Time"},{"type":"null"}]},
     "components":{"type":"array","items":{"$ref":"#/components/schemas/ComponentVersion"}},
     "cves_fixed":{"type":"array","items":{"$ref":"#/components/schemas/CveId"}},
     "improvements":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/ImprovementStatus"},
      "description":"as last reported"
     },
     "events":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/DeviceEvent"},
      "description":"stored reports, newest first"
     }
    },
    "required":[
     "id",
     "group",
     "product",
     "base_version",
     "hostname",
     "running",
     "auto_install",
     "install_state",
     "failure",
     "enrolled",
     "last_report",
     "components",
     "cves_fixed",
     "improvements",
     "events"
    ]
   },
   "MoveDevice":{
    "type":"object",
    "additionalProperties":false,
    "properties":{"group":{"$ref":"#/components/schemas/Identifier"}},
    "required":["group"]
   },
   "DeviceGroup":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "id":{"$ref":"#/components/schemas/Identifier"},
     "group":{"$ref":"#/components/schemas/Identifier"}
    },
    "required":["id","group"]
   },
   "GroupSettings":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "auto_install":{"$ref":"#/components/schemas/AutoInstallMode","description":"default allowed"},
     "deferral_days":{"type":"integer","description":"default 0","minimum":0,"maximum":90},
     "approval_required":{"type":"boolean","description":"default false"},
     "maintenance_window":{
      "oneOf":[{"$ref":"#/components/schemas/MaintenanceWindow"},{"type":"null"}],
      "description":"default null"
     }
    },
    "required":[],
    "description":"A group's settings; a field left out takes its default (PUT replaces the whole group)."
   },
   "Group":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/Identifier"},
     "auto_install":{"$ref":"#/components/schemas/AutoInstallMode"},
     "deferral_days":{"type":"integer","minimum":0,"maximum":90},
     "approval_required":{"type":"boolean"},
     "maintenance_window":{
      "oneOf":[{"$ref":"#/components/schemas/MaintenanceWindow"},{"type":"null"}]
     },
     "updated":{"$ref":"#/components/schemas/Time"}
    },
    "required":[
     "name",
     "auto_install",
     "deferral_days",
     "approval_required",
     "maintenance_window",
     "updated"
    ]
   },
   "GroupDetail":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/Identifier"},
     "auto_install":{"$ref":"#/components/schemas/AutoInstallMode"},
     "deferral_days":{"type":"integer","minimum":0,"maximum":90},
     "approval_required":{"type":"boolean"},
     "maintenance_window":{
      "oneOf":[{"$ref":"#/components/schemas/MaintenanceWindow"},{"type":"null"}]
     },
     "updated":{"$ref":"#/components/schemas/Time"},
     "declarations":{"$ref":"#/components/schemas/Declarations"}
    },
    "required":[
     "name",
     "auto_install",
     "deferral_days",
     "approval_required",
     "maintenance_window",
     "updated",
     "declarations"
    ]
   },
   "GroupList":{
    "type":"object",
    "additionalProperties":false,
    "properties":{"groups":{"type":"array","items":{"$ref":"#/components/schemas/Group"}}},
    "required":["groups"]
   },
   "Approval":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "group":{"$ref":"#/components/schemas/Identifier"},
     "improvement":{"$ref":"#/components/schemas/ImprovementId"},
     "approved":{"type":"boolean"}
    },
    "required":["group","improvement","approved"]
   },
   "Hold":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "group":{"$ref":"#/components/schemas/Identifier"},
     "improvement":{"$ref":"#/components/schemas/ImprovementId"},
     "cause":{
      "type":"string",
      "description":"e.g. \"2 of 3 devices reporting it failed or rolled back (threshold 50%)\""
     },
     "created":{"$ref":"#/components/schemas/Time"},
     "cleared":{"oneOf":[{"$ref":"#/components/schemas/Time"},{"type":"null"}]},
     "cleared_by":{
      "type":"string",
      "description":"the admin token that cleared it; empty while active"
     }
    },
    "required":["group","improvement","cause","created","cleared","cleared_by"]
   },
   "HoldList":{
    "type":"object",
    "additionalProperties":false,
    "properties":{"holds":{"type":"array","items":{"$ref":"#/components/schemas/Hold"}}},
    "required":["holds"]
   },
   "Improvement":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "id":{"$ref":"#/components/schemas/ImprovementId"},
     "product":{"type":"string"},
     "base_version":{"type":"string"},
     "letter":{"type":"string"},
     "cves":{"type":"array","items":{"$ref":"#/components/schemas/CveId"}},
     "withdrawn":{"type":"boolean"}
    },
    "required":["id","product","base_version","letter","cves","withdrawn"]
   },
   "ImprovementList":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "improvements":{"type":"array","items":{"$ref":"#/components/schemas/Improvement"}}
    },
    "required":["improvements"]
   },
   "ProgressCounts":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "devices":{"type":"integer","description":"devices of the improvement's product and base"},
     "available":{"type":"integer"},
     "pending":{"type":"integer"},
     "installed":{"type":"integer","description":"running it or a later letter"},
     "failed":{"type":"integer"},
     "rolled_back":{"type":"integer"},
     "not_reported":{"type":"integer","description":"no report names the improvement yet"}
    },
    "required":["devices","available","pending","installed","failed","rolled_back","not_reported"]
   },
   "GroupProgress":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "group":{"$ref":"#/components/schemas/Identifier"},
     "devices":{"type":"integer","description":"devices of the improvement's product and base"},
     "available":{"type":"integer"},
     "pending":{"type":"integer"},
     "installed":{"type":"integer","description":"running it or a later letter"},
     "failed":{"type":"integer"},
     "rolled_back":{"type":"integer"},
     "not_reported":{"type":"integer","description":"no report names the improvement yet"}
    },
    "required":[
     "group",
     "devices",
     "available",
     "pending",
     "installed",
     "failed",
     "rolled_back",
     "not_reported"
    ]
   },
   "Progress":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "improvement":{"$ref":"#/components/schemas/ImprovementId"},
     "total":{"$ref":"#/components/schemas/ProgressCounts"},
     "groups":{"type":"array","items":{"$ref":"#/components/schemas/GroupProgress"}}
    },
    "required":["improvement","total","groups"]
   },
   "ExposureReason":{
    "type":"string",
    "enum":[
     "not_reported",
     "not_installed",
     "deferred",
     "awaiting_approval",
     "auto_install_off",
     "held",
     "not_in_wave_yet",
     "failed",
     "rolled_back",
     "withdrawn",
     "removed"
    ]
   },
   "ExposedDevice":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "device":{"$ref":"#/components/schemas/Identifier"},
     "group":{"$ref":"#/components/schemas/Identifier"},
     "improvement":{
      "type":"string",
      "minLength":1,
      "maxLength":200,
      "pattern":"^[ -~]+$",
      "description":"the (highest) improvement that would fix it"
     },
     "reason":{"$ref":"#/components/schemas/ExposureReason"}
    },
    "required":["device","group","improvement","reason"]
   },
   "Exposure":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "cve":{"$ref":"#/components/schemas/CveId"},
     "exposed":{"type":"integer","description":"every exposed device"},
     "by_reason":{
      "type":"object",
      "description":"exposed devices by reason (reasons with none are left out)",
      "propertyNames":{"$ref":"#/components/schemas/ExposureReason"},
      "additionalProperties":{"type":"integer"}
     },
     "devices":{
      "type":"array",
      "items":{"$ref":"#/components/schemas/ExposedDevice"},
      "description":"the first `limit` (after `after`), by device id"
     },
     "truncated":{"type":"boolean","description":"more exposed devices follow those listed"},
     "next_after":{"type":"string","description":"when truncated and some are listed: the last device listed, for the next page's `after`"}
    },
    "required":["cve","exposed","by_reason","devices","truncated"]
   },
   "EnrollmentTokenRequest":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/Identifier"},
     "group":{
      "$ref":"#/components/schemas/Identifier",
      "description":"the group enrolled devices join; it must exist. Default: default"
     },
     "expires_in":{
      "oneOf":[
       {
        "type":"string",
        "description":"a duration: 90, 90s, 30m, 6h, 7d",
        "pattern":"^[0-9]+[smhd]?$"
       },
       {"type":"null"}
      ],
      "description":"null or absent: never expires"
     },
     "uses":{
      "oneOf":[{"type":"integer","minimum":1},{"type":"null"}],
      "description":"how many enrollments; null or absent: unlimited"
     }
    },
    "required":["name"]
   },
   "EnrollmentTokenCreated":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/Identifier"},
     "group":{"$ref":"#/components/schemas/Identifier"},
     "expires":{"oneOf":[{"$ref":"#/components/schemas/Time"},{"type":"null"}]},
     "uses_left":{"type":["integer","null"]},
     "token":{
      "type":"string",
      "description":"the secret (\"bsie_\" and 64 hex digits); shown only here"
     }
    },
    "required":["name","group","expires","uses_left","token"]
   },
   "EnrollmentToken":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/Identifier"},
     "group":{"$ref":"#/components/schemas/Identifier"},
     "created":{"$ref":"#/components/schemas/Time"},
     "expires":{"oneOf":[{"$ref":"#/components/schemas/Time"},{"type":"null"}]},
     "uses_left":{"type":["integer","null"]}
    },
    "required":["name","group","created","expires","uses_left"]
   },
   "EnrollmentTokenList":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "enrollment_tokens":{"type":"array","items":{"$ref":"#/components/schemas/EnrollmentToken"}}
    },
    "required":["enrollment_tokens"]
   },
   "AdminTokenRequest":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/Identifier"},
     "role":{"$ref":"#/components/schemas/Role"}
    },
    "required":["name","role"]
   },
   "AdminTokenCreated":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/Identifier"},
     "role":{"$ref":"#/components/schemas/Role"},
     "token":{
      "type":"string",
      "description":"the secret (\"bsia_\" and 64 hex digits); shown only here"
     }
    },
    "required":["name","role","token"]
   },
   "AdminToken":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/Identifier"},
     "role":{"$ref":"#/components/schemas/Role"},
     "created":{"$ref":"#/components/schemas/Time"}
    },
    "required":["name","role","created"]
   },
   "AdminTokenList":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "admin_tokens":{"type":"array","items":{"$ref":"#/components/schemas/AdminToken"}}
    },
    "required":["admin_tokens"]
   },
   "WhoAmI":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "name":{"$ref":"#/components/schemas/Identifier"},
     "role":{"$ref":"#/components/schemas/Role"}
    },
    "required":["name","role"]
   },
   "Health":{
    "type":"object",
    "additionalProperties":false,
    "properties":{
     "status":{"type":"string","const":"ok"},
     "database":{"type":"string","enum":["sqlite","postgresql"]},
     "schema_version":{"type":"integer","description":"the highest database migration applied"}
    },
    "required":["status","database","schema_version"]
   }
  }
 }
})json";
  return kDocument;
}

}  // namespace bsi::server
