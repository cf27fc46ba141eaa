// Idempotent bootstrap of the services' MongoDB replica set, run by mongo-init.sh with
// `mongosh --nodb`:
//   1. initiate the replica set (first start only),
//   2. create the root user through the "localhost exception" (first start only: the first
//      user can only be created over loopback, hence this runs in the first member's network
//      namespace: compose `network_mode: service:mongo-1`, a sidecar of mongo-0 in Kubernetes),
//   3. create or update one user per service, readWrite on that service's database only,
//      and a backup user; re-running it applies rotated passwords.
//
// Environment:
//   MONGO_RS_NAME, MONGO_RS_MEMBERS (host:port,... ; the first gets the highest priority),
//   MONGO_CA_FILE, MONGO_ROOT_USERNAME, MONGO_ROOT_PASSWORD,
//   APP_URI_<SERVICE>   a service's MONGODB_URI; user and password are read from it, and the
//                       database is <service> in lower case unless APP_DB_<SERVICE> says otherwise
//   BACKUP_URI          the backup job's URI (role: backup)

const env = process.env;

function required(name) {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

function retry(what, attempts, action) {
  for (let attempt = 1; ; attempt++) {
    try {
      return action();
    } catch (error) {
      if (attempt >= attempts) throw error;
      print(`${what}: ${error.message} (attempt ${attempt}/${attempts})`);
      sleep(2000);
    }
  }
}

// mongosh throws on { ok: 0 }; give back the answer instead so callers can test the code.
function command(db, cmd) {
  try {
    return db.runCommand(cmd);
  } catch (error) {
    return { ok: 0, code: error.code, codeName: error.codeName, errmsg: error.message };
  }
}

const rsName = required("MONGO_RS_NAME");
const members = required("MONGO_RS_MEMBERS").split(",").map((m) => m.trim()).filter(Boolean);
const tls = `tls=true&tlsCAFile=${encodeURIComponent(required("MONGO_CA_FILE"))}`;
const rootUser = required("MONGO_ROOT_USERNAME");
const rootPassword = required("MONGO_ROOT_PASSWORD");

// Over loopback the member certificate's names cannot match 127.0.0.1; the CA still must.
const localUri =
  `mongodb://127.0.0.1:27017/admin?directConnection=true&${tls}` +
  "&tlsAllowInvalidHostnames=true&serverSelectionTimeoutMS=5000";
const local = retry("connect to the local mongod", 90, () => connect(localUri).getSiblingDB("admin"));

// 1. replica set
if (!command(local, { hello: 1 }).setName) {
  const config = {
    _id: rsName,
    members: members.map((host, index) => ({ _id: index, host, priority: index === 0 ? 2 : 1 })),
  };
  retry("initiate the replica set", 90, () => {
    const answer = command(local, { replSetInitiate: config });
    if (answer.ok !== 1 && answer.codeName !== "AlreadyInitialized") throw new Error(answer.errmsg);
  });
  print(`replica set ${rsName} initiated with ${members.join(", ")}`);
}

const hello = retry("wait for a primary", 90, () => {
  const answer = command(local, { hello: 1 });
  if (!answer.primary) throw new Error("no primary elected yet");
  return answer;
});

// 2. root user: only possible while no user exists, on the primary (first start: this member,
// by priority). Afterwards the exception is closed and the attempt answers Unauthorized.
if (hello.isWritablePrimary) {
  const answer = command(local, {
    createUser: rootUser,
    pwd: rootPassword,
    roles: [{ role: "root", db: "admin" }],
  });
  if (answer.ok === 1) print(`user ${rootUser} created`);
  else if (answer.codeName !== "Unauthorized" && answer.code !== 13) throw new Error(answer.errmsg);
}

// 3. service users, as root, through the replica set (writes go to whichever member is primary)
const rootUri =
  `mongodb://${encodeURIComponent(rootUser)}:${encodeURIComponent(rootPassword)}@` +
  `${members.join(",")}/admin?replicaSet=${encodeURIComponent(rsName)}&authSource=admin&${tls}` +
  "&serverSelectionTimeoutMS=10000";
const admin = retry(`connect to the replica set as ${rootUser}`, 30, () => {
  const db = connect(rootUri).getSiblingDB("admin");
  db.runCommand({ connectionStatus: 1 });
  return db;
});

function credentialsOf(name, uri) {
  const match = /^mongodb(?:\+srv)?:\/\/([^:@/]+):([^@/]+)@/.exec(uri);
  if (!match) throw new Error(`${name} has no user:password@ part`);
  return { user: decodeURIComponent(match[1]), pwd: decodeURIComponent(match[2]) };
}

function upsertUser(user, pwd, roles) {
  if (admin.getUser(user)) {
    admin.updateUser(user, { pwd, roles });
    print(`user ${user} updated (${roles.map((r) => `${r.role}@${r.db}`).join(", ")})`);
  } else {
    admin.createUser({ user, pwd, roles });
    print(`user ${user} created (${roles.map((r) => `${r.role}@${r.db}`).join(", ")})`);
  }
}

for (const [name, uri] of Object.entries(env)) {
  const match = /^APP_URI_([A-Z0-9_]+)$/.exec(name);
  if (!match || !uri) continue;
  const database = env[`APP_DB_${match[1]}`] || match[1].toLowerCase();
  const { user, pwd } = credentialsOf(name, uri);
  upsertUser(user, pwd, [{ role: "readWrite", db: database }]);
}

if (env.BACKUP_URI) {
  const { user, pwd } = credentialsOf("BACKUP_URI", env.BACKUP_URI);
  upsertUser(user, pwd, [{ role: "backup", db: "admin" }]);
}

print("MongoDB bootstrap done");
