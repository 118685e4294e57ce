// The import rules `npm run lint` enforces (docs/ARCHITECTURE.md explains them). Type-only imports
// count: a cycle through types is still a cycle for whoever reads the code.
//
//   src/core      pure: imports only src/core (and zod)
//   workflows     deterministic: imports workflows, src/core, @temporalio/workflow and /common, and
//                 activities as types only
//   src/config    reads files into core types: no AWS, Temporal, command line or activities
//   src/aws       the AWS edge: src/core and the AWS SDK only
//   src/temporal  the Temporal client edge: src/core and workflows (messages, search attributes)
//   src/trust     signatures and keys (node:crypto): src/core only
//   src/reconcile the reconcile pass (read, decide, act): src/core, src/aws, src/temporal, src/trust
//                 and workflows/messages; only the activities and the worker import it
//   activities    thin adapters over src/reconcile, src/aws and src/temporal; never the command line
//   src/cli       the command line: anything but activities
//   nothing in the product imports test/ or bench/, and nothing but the command line imports it
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Import cycles hide which module depends on which; move the shared part into a module both can import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'src/core holds pure functions and types; I/O and its libraries belong at the edges.',
      from: { path: '^src/core/' },
      to: { pathNot: ['^src/core/', '^node_modules/zod/'] },
    },
    {
      name: 'workflows-are-deterministic',
      severity: 'error',
      comment: 'Workflow code imports only its own modules, the pure core and the workflow SDK; activities as types only.',
      from: { path: '^workflows/' },
      to: {
        pathNot: ['^workflows/', '^src/core/', '^node_modules/@temporalio/(workflow|common)/', '^node_modules/zod/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'workflows-import-activities-as-types',
      severity: 'error',
      comment: 'Workflows call activities through proxyActivities; a value import would pull AWS code into the sandbox.',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'config-reads-files-only',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^(src/(aws|temporal|cli|local)|activities|workflows)/' },
    },
    {
      name: 'aws-edge',
      severity: 'error',
      comment: 'src/aws talks to AWS and nothing else; it knows no Temporal, command line or config files.',
      from: { path: '^src/aws/' },
      to: { path: '^(src/(temporal|cli|config|local)|activities|workflows)/' },
    },
    {
      name: 'temporal-edge',
      severity: 'error',
      comment: 'src/temporal is client-side Temporal code; the IAM side is reached through activities.',
      from: { path: '^src/temporal/' },
      to: { path: '^(src/(aws|cli|config|local)|activities)/' },
    },
    {
      name: 'trust-edge',
      severity: 'error',
      comment: 'src/trust signs and verifies submissions; it knows no AWS, Temporal, command line or config files.',
      from: { path: '^src/trust/' },
      to: { path: '^(src/(aws|temporal|cli|config|local)|activities|workflows)/' },
    },
    {
      name: 'reconcile-pass',
      severity: 'error',
      comment:
        'src/reconcile is the reconcile pass: it reads (src/temporal), decides (src/core) and acts (src/aws, src/temporal), and knows of workflows only their messages; no activity, command line, config files or local stack.',
      from: { path: '^src/reconcile/' },
      to: { path: '^(src/(cli|config|local)/|src/[^/]+$|activities/|workflows/(?!messages\\.ts$))' },
    },
    {
      name: 'only-the-worker-runs-the-pass',
      severity: 'error',
      comment: 'The reconcile pass runs as activities in the worker: the command line and the other edges do not import it.',
      from: { pathNot: '^(src/reconcile/|activities/|src/worker\\.ts$|test/|bench/)' },
      to: { path: '^src/reconcile/' },
    },
    {
      name: 'activities-are-thin',
      severity: 'error',
      from: { path: '^activities/' },
      to: { path: '^(src/(cli|config|local)|workflows/(grant|reconcile|index))' },
    },
    {
      name: 'cli-imports-no-activity',
      severity: 'error',
      comment: 'The command line uses src/aws and src/temporal directly; activities are for the worker.',
      from: { path: '^src/cli/' },
      to: { path: '^activities/' },
    },
    {
      name: 'only-the-cli-imports-the-cli',
      severity: 'error',
      from: { path: '^(src|workflows|activities)/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'product-imports-no-tests',
      severity: 'error',
      from: { path: '^(src|workflows|activities|bin|scripts)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(lib|node_modules|\\.tools|\\.grantflow)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'import', 'default'] },
  },
};
