// maestro-graph export of "Tiny RAG" (catalog CATALOG), Cypher dialect neo4j
// 3 components, 2 flows, 26 attack states, 17 steps
// Load with: cypher-shell -f FILE (statements end with ';').
CREATE CONSTRAINT maestro_component_id IF NOT EXISTS FOR (c:Component) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT maestro_state_id IF NOT EXISTS FOR (s:State) REQUIRE s.id IS UNIQUE;
UNWIND [
  {id: 'web', name: 'web', layer: 'L2', layer_name: 'Data Operations', kind: 'document_source', exposure: 'internal', trust: 'untrusted', criticality: 3, controls: [], tags: [], properties: '{}', entry: true},
  {id: 'kb', name: 'kb', layer: 'L2', layer_name: 'Data Operations', kind: 'vector_store', exposure: 'internal', trust: 'trusted', criticality: 3, controls: [], tags: [], properties: '{}', entry: false},
  {id: 'llm', name: 'llm', layer: 'L1', layer_name: 'Foundation Models', kind: 'foundation_model', exposure: 'internal', trust: 'trusted', criticality: 3, controls: [], tags: [], properties: '{}', entry: false}
] AS row
MERGE (c:Component {id: row.id})
SET c.name = row.name, c.layer = row.layer, c.layer_name = row.layer_name, c.kind = row.kind, c.exposure = row.exposure, c.trust = row.trust, c.criticality = row.criticality, c.controls = row.controls, c.tags = row.tags, c.properties = row.properties, c.entry = row.entry;
UNWIND [
  {source: 'web', target: 'kb', kind: 'data', controls: []},
  {source: 'kb', target: 'llm', kind: 'data', controls: []}
] AS row
MATCH (a:Component {id: row.source})
MATCH (b:Component {id: row.target})
MERGE (a)-[f:FLOW {kind: row.kind}]->(b)
SET f.controls = row.controls;
UNWIND [
  {id: 'web/L2.untrusted-content-at-rest', component: 'web', threat: 'L2.untrusted-content-at-rest', threat_name: 'Attacker content at rest', layer: 'L2', kind: 'document_source', impact: 2.449489742783178, likelihood: 0.5599999999999999, entry: false},
  {id: 'web/L2.data-exfiltration', component: 'web', threat: 'L2.data-exfiltration', threat_name: 'Data exfiltration from knowledge stores', layer: 'L2', kind: 'document_source', impact: 3.4641016151377544, likelihood: 0.45, entry: false},
  {id: 'web/L2.rag-credential-harvesting', component: 'web', threat: 'L2.rag-credential-harvesting', threat_name: 'Credential harvesting through retrieval', layer: 'L2', kind: 'document_source', impact: 3.4641016151377544, likelihood: 0.35, entry: false},
  {id: 'web/L7.data-exfiltration', component: 'web', threat: 'L7.data-exfiltration', threat_name: 'Data carried out of the system', layer: 'L2', kind: 'document_source', impact: 3.872983346207417, likelihood: 0.5, entry: false},
  {id: 'kb/L2.untrusted-content-at-rest', component: 'kb', threat: 'L2.untrusted-content-at-rest', threat_name: 'Attacker content at rest', layer: 'L2', kind: 'vector_store', impact: 2.449489742783178, likelihood: 0.5599999999999999, entry: false},
  {id: 'kb/L2.data-poisoning', component: 'kb', threat: 'L2.data-poisoning', threat_name: 'Data poisoning / RAG and memory poisoning', layer: 'L2', kind: 'vector_store', impact: 3.4641016151377544, likelihood: 0.65, entry: false},
  {id: 'kb/L2.embedding-manipulation', component: 'kb', threat: 'L2.embedding-manipulation', threat_name: 'Vector-store and embedding manipulation', layer: 'L2', kind: 'vector_store', impact: 3.4641016151377544, likelihood: 0.35, entry: false},
  {id: 'kb/L2.data-tampering', component: 'kb', threat: 'L2.data-tampering', threat_name: 'Knowledge-source tampering', layer: 'L2', kind: 'vector_store', impact: 3.4641016151377544, likelihood: 0.32000000000000006, entry: false},
  {id: 'kb/L2.data-exfiltration', component: 'kb', threat: 'L2.data-exfiltration', threat_name: 'Data exfiltration from knowledge stores', layer: 'L2', kind: 'vector_store', impact: 3.4641016151377544, likelihood: 0.45, entry: false},
  {id: 'kb/L2.data-infra-dos', component: 'kb', threat: 'L2.data-infra-dos', threat_name: 'Denial of service on data infrastructure', layer: 'L2', kind: 'vector_store', impact: 3.0, likelihood: 0.24, entry: false},
  {id: 'kb/L2.rag-credential-harvesting', component: 'kb', threat: 'L2.rag-credential-harvesting', threat_name: 'Credential harvesting through retrieval', layer: 'L2', kind: 'vector_store', impact: 3.4641016151377544, likelihood: 0.35, entry: false},
  {id: 'kb/L2.data-interception', component: 'kb', threat: 'L2.data-interception', threat_name: 'Interception of data in transit', layer: 'L2', kind: 'vector_store', impact: 3.0, likelihood: 0.2, entry: false},
  {id: 'kb/L7.data-exfiltration', component: 'kb', threat: 'L7.data-exfiltration', threat_name: 'Data carried out of the system', layer: 'L2', kind: 'vector_store', impact: 3.872983346207417, likelihood: 0.5, entry: false},
  {id: 'llm/L1.adversarial-examples', component: 'llm', threat: 'L1.adversarial-examples', threat_name: 'Adversarial examples', layer: 'L1', kind: 'foundation_model', impact: 3.0, likelihood: 0.35, entry: false},
  {id: 'llm/L1.model-stealing', component: 'llm', threat: 'L1.model-stealing', threat_name: 'Model stealing (extraction)', layer: 'L1', kind: 'foundation_model', impact: 3.0, likelihood: 0.25, entry: false},
  {id: 'llm/L1.backdoor-attacks', component: 'llm', threat: 'L1.backdoor-attacks', threat_name: 'Model backdoor', layer: 'L1', kind: 'foundation_model', impact: 3.872983346207417, likelihood: 0.2, entry: false},
  {id: 'llm/L1.membership-inference', component: 'llm', threat: 'L1.membership-inference', threat_name: 'Membership inference', layer: 'L1', kind: 'foundation_model', impact: 3.0, likelihood: 0.2, entry: false},
  {id: 'llm/L1.training-data-poisoning', component: 'llm', threat: 'L1.training-data-poisoning', threat_name: 'Training-phase data poisoning', layer: 'L1', kind: 'foundation_model', impact: 3.4641016151377544, likelihood: 0.3, entry: false},
  {id: 'llm/L1.reprogramming', component: 'llm', threat: 'L1.reprogramming', threat_name: 'Model reprogramming', layer: 'L1', kind: 'foundation_model', impact: 3.0, likelihood: 0.15, entry: false},
  {id: 'llm/L1.model-dos', component: 'llm', threat: 'L1.model-dos', threat_name: 'Model denial of service', layer: 'L1', kind: 'foundation_model', impact: 3.0, likelihood: 0.27999999999999997, entry: false},
  {id: 'llm/L1.prompt-injection', component: 'llm', threat: 'L1.prompt-injection', threat_name: 'Prompt injection / jailbreak', layer: 'L1', kind: 'foundation_model', impact: 3.4641016151377544, likelihood: 0.6, entry: false},
  {id: 'llm/L1.manipulated-output', component: 'llm', threat: 'L1.manipulated-output', threat_name: 'Manipulated or hallucinated output driving actions', layer: 'L1', kind: 'foundation_model', impact: 3.4641016151377544, likelihood: 0.4, entry: false},
  {id: 'llm/L1.model-data-leakage', component: 'llm', threat: 'L1.model-data-leakage', threat_name: 'Sensitive data and system prompt leakage', layer: 'L1', kind: 'foundation_model', impact: 3.0, likelihood: 0.32000000000000006, entry: false},
  {id: 'llm/L1.malicious-model-artifact', component: 'llm', threat: 'L1.malicious-model-artifact', threat_name: 'Malicious model artifact', layer: 'L1', kind: 'foundation_model', impact: 3.872983346207417, likelihood: 0.25, entry: false}
] AS row
MERGE (s:State {id: row.id})
SET s.component = row.component, s.threat = row.threat, s.threat_name = row.threat_name, s.layer = row.layer, s.kind = row.kind, s.impact = row.impact, s.likelihood = row.likelihood, s.entry = row.entry;
UNWIND [
  {id: 'web/L2.data-poisoning', component: 'web', threat: 'L2.data-poisoning', threat_name: 'Data poisoning / RAG and memory poisoning', layer: 'L2', kind: 'document_source', impact: 3.4641016151377544, likelihood: 0.65, entry: true, entry_likelihood: 0.65},
  {id: 'web/L2.data-tampering', component: 'web', threat: 'L2.data-tampering', threat_name: 'Knowledge-source tampering', layer: 'L2', kind: 'document_source', impact: 3.4641016151377544, likelihood: 0.32000000000000006, entry: true, entry_likelihood: 0.32000000000000006}
] AS row
MERGE (s:State {id: row.id})
SET s.component = row.component, s.threat = row.threat, s.threat_name = row.threat_name, s.layer = row.layer, s.kind = row.kind, s.impact = row.impact, s.likelihood = row.likelihood, s.entry = row.entry, s.entry_likelihood = row.entry_likelihood;
MATCH (s:State)
MATCH (c:Component {id: s.component})
MERGE (s)-[:AT]->(c);
UNWIND [
  {source: 'web/L2.untrusted-content-at-rest', target: 'kb/L2.untrusted-content-at-rest', rule: 'content-flows-into-reader', direction: 'forward', flow_kind: 'data', likelihood: 0.95, cost: 0.05129329438755058, controls: []},
  {source: 'web/L2.data-poisoning', target: 'kb/L2.data-poisoning', rule: 'hijacked-component-writes-downstream', direction: 'forward', flow_kind: 'data', likelihood: 0.9, cost: 0.10536051565782628, controls: []},
  {source: 'web/L2.data-tampering', target: 'kb/L2.data-poisoning', rule: 'hijacked-component-writes-downstream', direction: 'forward', flow_kind: 'data', likelihood: 0.9, cost: 0.10536051565782628, controls: []},
  {source: 'web/L2.rag-credential-harvesting', target: 'kb/L2.data-poisoning', rule: 'hijacked-component-writes-downstream', direction: 'forward', flow_kind: 'data', likelihood: 0.9, cost: 0.10536051565782628, controls: []},
  {source: 'kb/L2.untrusted-content-at-rest', target: 'llm/L1.prompt-injection', rule: 'injected-content-hijacks-reasoner', direction: 'forward', flow_kind: 'data', likelihood: 0.6, cost: 0.5108256237659907, controls: []},
  {source: 'kb/L2.data-poisoning', target: 'llm/L1.prompt-injection', rule: 'retrieved-poison-injects-model', direction: 'forward', flow_kind: 'data', likelihood: 0.75, cost: 0.2876820724517809, controls: []},
  {source: 'kb/L2.embedding-manipulation', target: 'llm/L1.prompt-injection', rule: 'retrieved-poison-injects-model', direction: 'forward', flow_kind: 'data', likelihood: 0.75, cost: 0.2876820724517809, controls: []},
  {source: 'kb/L2.data-tampering', target: 'llm/L1.prompt-injection', rule: 'retrieved-poison-injects-model', direction: 'forward', flow_kind: 'data', likelihood: 0.75, cost: 0.2876820724517809, controls: []},
  {source: 'llm/L1.reprogramming', target: 'kb/L2.data-exfiltration', rule: 'injected-model-leaks-retrieved-data', direction: 'reverse', flow_kind: 'data', likelihood: 0.5, cost: 0.6931471805599453, controls: []},
  {source: 'llm/L1.prompt-injection', target: 'kb/L2.data-exfiltration', rule: 'injected-model-leaks-retrieved-data', direction: 'reverse', flow_kind: 'data', likelihood: 0.5, cost: 0.6931471805599453, controls: []},
  {source: 'llm/L1.manipulated-output', target: 'kb/L2.data-exfiltration', rule: 'injected-model-leaks-retrieved-data', direction: 'reverse', flow_kind: 'data', likelihood: 0.5, cost: 0.6931471805599453, controls: []}
] AS row
MATCH (s:State {id: row.source})
MATCH (t:State {id: row.target})
MERGE (s)-[r:STEP]->(t)
SET r.rule = row.rule, r.direction = row.direction, r.flow_kind = row.flow_kind, r.likelihood = row.likelihood, r.cost = row.cost, r.controls = row.controls;
UNWIND [
  {source: 'llm/L1.backdoor-attacks', target: 'llm/L1.reprogramming', rule: 'backdoor-trigger-reprograms-model', direction: 'self', likelihood: 0.6, cost: 0.5108256237659907, controls: []},
  {source: 'llm/L1.malicious-model-artifact', target: 'llm/L1.reprogramming', rule: 'backdoor-trigger-reprograms-model', direction: 'self', likelihood: 0.6, cost: 0.5108256237659907, controls: []},
  {source: 'llm/L1.backdoor-attacks', target: 'llm/L1.manipulated-output', rule: 'injection-yields-manipulated-output', direction: 'self', likelihood: 0.8, cost: 0.2231435513142097, controls: []},
  {source: 'llm/L1.reprogramming', target: 'llm/L1.manipulated-output', rule: 'injection-yields-manipulated-output', direction: 'self', likelihood: 0.8, cost: 0.2231435513142097, controls: []},
  {source: 'llm/L1.prompt-injection', target: 'llm/L1.manipulated-output', rule: 'injection-yields-manipulated-output', direction: 'self', likelihood: 0.8, cost: 0.2231435513142097, controls: []},
  {source: 'llm/L1.training-data-poisoning', target: 'llm/L1.backdoor-attacks', rule: 'training-poison-plants-backdoor', direction: 'self', likelihood: 0.5, cost: 0.6931471805599453, controls: []}
] AS row
MATCH (s:State {id: row.source})
MATCH (t:State {id: row.target})
MERGE (s)-[r:STEP]->(t)
SET r.rule = row.rule, r.direction = row.direction, r.likelihood = row.likelihood, r.cost = row.cost, r.controls = row.controls;
