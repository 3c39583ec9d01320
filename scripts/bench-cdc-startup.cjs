// bench-cdc.sh: seconds from a pgferry command (Unix time argv[3]) to the stream-start event in
// the run's JSON event log (argv[2]), printed as a results line of round argv[4].
const fs = require('fs');
const [file, t0, round] = process.argv.slice(2);
const line = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"stream-start"')).pop();
if (line) console.log(`${round} startup ${(Date.parse(JSON.parse(line).time) / 1000 - Number(t0)).toFixed(2)}`);
